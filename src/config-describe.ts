import { parseUrl } from './config-fields.js';
import type { Config } from './config-types.js';

// What `npm start` prints about its configuration: every value that is not a secret.

// ── describeConfig ───────────────────────────────────────────────────────────────────────────

const REDACTED = '[redacted]';
const UNSET = '(not set)';

/** A URL safe to print: credentials dropped, query values hidden. */
function showUrl(url: string | undefined): string {
  if (url === undefined) return UNSET;
  const u = parseUrl(url);
  if (!u) return REDACTED;
  const userinfo = u.username || u.password ? `${REDACTED}@` : '';
  const query = u.search ? '?…' : '';
  return `${u.protocol}//${userinfo}${u.host}${u.pathname === '/' && !url.endsWith('/') ? '' : u.pathname}${query}`;
}

const showSecret = (v: string | undefined) => (v === undefined ? UNSET : REDACTED);

/** One line per setting, every secret redacted: the start banner. */
export function describeConfig(config: Config): string {
  const rows: [string, string][] = [
    ['NODE_ENV', config.nodeEnv ?? UNSET],
    ['HOST', config.host],
    ['PORT', String(config.port)],
    ['CALLGATE_PUBLIC_URL', showUrl(config.publicUrl)],
    ['CALLGATE_DB', config.db],
    ['CALLGATE_POLICY_DIR', config.policyDir],
    ['CALLGATE_RETENTION_DAYS', config.retentionDays === 0 ? '0 (calls kept forever)' : `${config.retentionDays} days`],
    ['CALLGATE_TOOL_SECRET', showSecret(config.secrets.tool)],
    ['CALLGATE_IVR_SECRET', showSecret(config.secrets.ivr)],
    ['CALLGATE_ADMIN_TOKEN', showSecret(config.secrets.admin)],
    ['CALLGATE_SECRET_KEY', showSecret(config.secrets.key)],
    ['CALLGATE_METRICS_TOKEN', showSecret(config.secrets.metrics)],
    ['CALLGATE_OTP_DELIVERY', config.otp.delivery],
    ['CALLGATE_OTP_WEBHOOK_URL', showUrl(config.otp.webhook?.url)],
    ['CALLGATE_OTP_WEBHOOK_SECRET', showSecret(config.otp.webhook?.secret)],
    ['TWILIO_API_BASE_URL', showUrl(config.twilio.apiBaseUrl)],
    ['TWILIO_ACCOUNT_SID', config.twilio.accountSid ?? UNSET],
    ['TWILIO_AUTH_TOKEN', showSecret(config.twilio.authToken)],
    ['TWILIO_MESSAGING_FROM', config.twilio.messagingFrom ?? UNSET],
    ['CALLGATE_TWILIO_SUCCESS_URL', config.twilio.successUrl ?? '(built-in /ivr/twilio/success)'],
    ['CALLGATE_TWILIO_FAILURE_URL', config.twilio.failureUrl ?? '(built-in /ivr/twilio/failure)'],
    ['VOXEQ_WEBHOOK_SECRET', showSecret(config.voxeq.webhookSecret)],
    ['VOXEQ_API_URL', config.voxeq.apiUrl ?? UNSET],
    ['VOXEQ_API_KEY', showSecret(config.voxeq.apiKey)],
    ['VOXEQ_SIMULATE', config.voxeq.simulate ?? UNSET],
    ['ELEVENLABS_API_KEY', showSecret(config.elevenlabs.apiKey)],
    ['ELEVENLABS_BASE_URL', config.elevenlabs.baseUrl === undefined ? '(SDK default)' : showUrl(config.elevenlabs.baseUrl)],
    ['ELEVENLABS_WEBHOOK_SECRET', showSecret(config.elevenlabs.webhookSecret)],
    ['CALLGATE_HOST_SESSION_SECRET', showSecret(config.hostSession.secret)],
    ['CALLGATE_VAPID_PRIVATE_KEY', config.webPush.vapidPrivateJwk ? `set (Web Push on, contact ${config.webPush.subject})` : '(unset: push approvals use the pull channel only)'],
    ['CALLGATE_FCM_SERVICE_ACCOUNT', config.fcm ? `set (FCM on, project ${config.fcm.serviceAccount.projectId})` : UNSET],
    ['CALLGATE_APNS_KEY', config.apns ? `set (APNs on, ${config.apns.topic}, ${config.apns.env})` : UNSET],
    ['dev outbox', config.devOutbox ? 'on (GET /admin/outbox)' : 'off'],
    ...(config.fault ? ([['CALLGATE_FAULT', `${config.fault} (the process kills itself there)`]] as [string, string][]) : []),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** http://host:port, with an IPv6 host in brackets (once). */
export const hostUrl = (host: string, port: number): string =>
  `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
