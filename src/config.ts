// Every environment variable (docs/api.md#environment-variables), read and validated in one place.
// Pure: the environment arrives as a plain object (process.env on Node, the bindings on Workers),
// nothing here touches the file system or the process. A bad start-up answers one line per problem,
// each naming its variable, and never repeats a secret's value.
import { z } from 'zod';
import { isLoopbackHost } from './loopback.js';
import { FAULT_POINTS } from './fault.js';
import { got, portSchema, retentionSchema, hostSchema, pathSchema, parseUrl, httpUrlSchema, baseUrlSchema, deliverySchema, accountSidSchema, messagingFromSchema, secretSchema } from './config-fields.js';
import { VOXEQ_PRESET_NAMES, DEV_SECRET_NAMES, type DevSecretName, type DevSecrets, readNodeEnv, MIN_PRODUCTION_SECRET_LENGTH, DEFAULTS, type Config, type LoadConfigResult, CONFIG_VARIABLES, type VarName } from './config-types.js';

export * from './config-types.js';
export { describeConfig, hostUrl } from './config-describe.js';
import { hostUrl } from './config-describe.js';
import { loadPushServices } from './config-push.js';

const SECRET_FIELD: Record<DevSecretName, keyof Config['secrets']> = {
  CALLGATE_TOOL_SECRET: 'tool',
  CALLGATE_IVR_SECRET: 'ivr',
  CALLGATE_ADMIN_TOKEN: 'admin',
  CALLGATE_SECRET_KEY: 'key',
};

export function loadConfig(env: Record<string, string | undefined>, devSecrets?: DevSecrets): LoadConfigResult {
  const errors: string[] = [];
  const warnings: string[] = [];

  const raw = (name: VarName): string | undefined => {
    const v = env[name];
    if (typeof v !== 'string') return undefined;
    const t = v.trim();
    return t === '' ? undefined : t;
  };

  /** Parse one variable with its schema; undefined when unset or invalid (the error is recorded). */
  function read<T>(name: VarName, schema: z.ZodType<T, string>): T | undefined {
    const v = raw(name);
    if (v === undefined) return undefined;
    const r = schema.safeParse(v);
    if (r.success) return r.data;
    for (const issue of r.error.issues) errors.push(`${name}: ${issue.message}`);
    return undefined;
  }
  const invalid = (name: VarName) => errors.some((e) => e.startsWith(`${name}:`));

  const nodeEnv = raw('NODE_ENV');
  const mode = readNodeEnv(env);
  if (!mode.ok) errors.push(mode.error);
  const production = mode.ok && mode.production;

  const port = read('PORT', portSchema) ?? DEFAULTS.PORT;
  const host = read('HOST', hostSchema) ?? DEFAULTS.HOST;
  // A development server prints its secrets and codes and keeps an outbox: only this machine may reach it.
  const allowRemoteDev = read(
    'CALLGATE_ALLOW_REMOTE_DEV',
    z.literal('1', { error: (iss) => `must be 1 (or unset), ${got(iss.input)}` }),
  );
  if (mode.ok && !production && !invalid('HOST') && !isLoopbackHost(host) && allowRemoteDev === undefined && !invalid('CALLGATE_ALLOW_REMOTE_DEV')) {
    errors.push(
      `HOST: ${host} is reachable from other machines, and this is a development server (generated secrets, codes on the console, ` +
        'the dev outbox); set NODE_ENV=production, bind HOST=127.0.0.1, or set CALLGATE_ALLOW_REMOTE_DEV=1 if that is really wanted',
    );
  }
  const pidFile = read('CALLGATE_PID_FILE', pathSchema);
  const db = read('CALLGATE_DB', pathSchema) ?? DEFAULTS.CALLGATE_DB;
  const policyDir = read('CALLGATE_POLICY_DIR', pathSchema) ?? DEFAULTS.CALLGATE_POLICY_DIR;
  const retentionDays = read('CALLGATE_RETENTION_DAYS', retentionSchema) ?? DEFAULTS.CALLGATE_RETENTION_DAYS;

  // Core secrets: mandatory and long in production; in development the generated ones fill gaps.
  const usedDevSecrets: DevSecretName[] = [];
  const secrets: Partial<Config['secrets']> = {};
  for (const name of DEV_SECRET_NAMES) {
    let value = read(name, secretSchema);
    if (value === undefined && !invalid(name)) {
      const fallback = production ? undefined : devSecrets?.[name]?.trim();
      if (fallback) {
        value = fallback;
        usedDevSecrets.push(name);
      } else {
        errors.push(
          production
            ? `${name}: required in production (at least ${MIN_PRODUCTION_SECRET_LENGTH} characters)`
            : `${name}: required (not set and no generated development secret was supplied)`,
        );
      }
    } else if (value !== undefined && production && value.length < MIN_PRODUCTION_SECRET_LENGTH) {
      errors.push(`${name}: must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production, got ${value.length}`);
      value = undefined;
    }
    if (value !== undefined) secrets[SECRET_FIELD[name]] = value;
  }
  // One secret reused for two roles would let, say, the agent platform's tool secret open /admin.
  for (let i = 0; i < DEV_SECRET_NAMES.length; i++) {
    for (let j = i + 1; j < DEV_SECRET_NAMES.length; j++) {
      const a = DEV_SECRET_NAMES[i]!;
      const b = DEV_SECRET_NAMES[j]!;
      const va = secrets[SECRET_FIELD[a]];
      if (va !== undefined && va === secrets[SECRET_FIELD[b]]) {
        const line = `${b}: must differ from ${a}`;
        if (production) errors.push(line);
        else warnings.push(line);
      }
    }
  }

  // Optional feature secrets we share with a counterpart: long enough in production when set.
  const featureSecret = (name: VarName, minInProduction: boolean): string | undefined => {
    const v = read(name, secretSchema);
    if (v !== undefined && production && minInProduction && v.length < MIN_PRODUCTION_SECRET_LENGTH) {
      errors.push(`${name}: must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production, got ${v.length}`);
      return undefined;
    }
    return v;
  };

  // OTP delivery.
  const delivery = read('CALLGATE_OTP_DELIVERY', deliverySchema) ?? DEFAULTS.CALLGATE_OTP_DELIVERY;
  const webhookUrl = read('CALLGATE_OTP_WEBHOOK_URL', httpUrlSchema(false));
  const webhookSecret = featureSecret('CALLGATE_OTP_WEBHOOK_SECRET', true);
  if (delivery === 'webhook' && !invalid('CALLGATE_OTP_DELIVERY')) {
    if (webhookUrl === undefined && !invalid('CALLGATE_OTP_WEBHOOK_URL'))
      errors.push('CALLGATE_OTP_WEBHOOK_URL: required when CALLGATE_OTP_DELIVERY=webhook');
    if (webhookSecret === undefined && !invalid('CALLGATE_OTP_WEBHOOK_SECRET'))
      errors.push('CALLGATE_OTP_WEBHOOK_SECRET: required when CALLGATE_OTP_DELIVERY=webhook');
  } else if ((webhookUrl === undefined) !== (webhookSecret === undefined)) {
    warnings.push('CALLGATE_OTP_WEBHOOK_URL/CALLGATE_OTP_WEBHOOK_SECRET: only one is set; webhook delivery is not in use');
  }

  // Twilio.
  const apiBaseUrl = read('TWILIO_API_BASE_URL', baseUrlSchema) ?? DEFAULTS.TWILIO_API_BASE_URL;
  const accountSid = read('TWILIO_ACCOUNT_SID', accountSidSchema);
  const authToken = read('TWILIO_AUTH_TOKEN', secretSchema);
  const messagingFrom = read('TWILIO_MESSAGING_FROM', messagingFromSchema);
  const successUrl = read('CALLGATE_TWILIO_SUCCESS_URL', httpUrlSchema(false));
  const failureUrl = read('CALLGATE_TWILIO_FAILURE_URL', httpUrlSchema(false));
  if (delivery === 'twilio') {
    if (accountSid === undefined && !invalid('TWILIO_ACCOUNT_SID'))
      errors.push('TWILIO_ACCOUNT_SID: required when CALLGATE_OTP_DELIVERY=twilio');
    if (authToken === undefined && !invalid('TWILIO_AUTH_TOKEN'))
      errors.push('TWILIO_AUTH_TOKEN: required when CALLGATE_OTP_DELIVERY=twilio');
    if (messagingFrom === undefined && !invalid('TWILIO_MESSAGING_FROM'))
      errors.push('TWILIO_MESSAGING_FROM: required when CALLGATE_OTP_DELIVERY=twilio (an E.164 number or MG… SID)');
  } else {
    // Call redirect needs both credentials: half a pair is a mistake, whatever the delivery.
    if (accountSid !== undefined && authToken === undefined && !invalid('TWILIO_AUTH_TOKEN'))
      errors.push('TWILIO_AUTH_TOKEN: required when TWILIO_ACCOUNT_SID is set');
    if (authToken !== undefined && accountSid === undefined && !invalid('TWILIO_ACCOUNT_SID'))
      errors.push('TWILIO_ACCOUNT_SID: required when TWILIO_AUTH_TOKEN is set');
  }

  // Public URL: defaults to where we listen.
  const explicitPublicUrl = read('CALLGATE_PUBLIC_URL', baseUrlSchema);
  const publicUrl = explicitPublicUrl ?? hostUrl(host, port);
  if (explicitPublicUrl === undefined && !invalid('CALLGATE_PUBLIC_URL') && accountSid !== undefined)
    warnings.push(`CALLGATE_PUBLIC_URL: not set; Twilio will be given ${publicUrl}, which it cannot reach from outside`);

  const voxeqSecret = featureSecret('VOXEQ_WEBHOOK_SECRET', true);
  const voxeqApiUrl = read('VOXEQ_API_URL', baseUrlSchema);
  const voxeqApiKey = read('VOXEQ_API_KEY', secretSchema);
  if ((voxeqApiUrl === undefined) !== (voxeqApiKey === undefined) && !invalid('VOXEQ_API_URL') && !invalid('VOXEQ_API_KEY'))
    errors.push(`${voxeqApiUrl === undefined ? 'VOXEQ_API_URL' : 'VOXEQ_API_KEY'}: required with ${voxeqApiUrl === undefined ? 'VOXEQ_API_KEY' : 'VOXEQ_API_URL'} (pull mode)`);
  const voxeqSimulate = read(
    'VOXEQ_SIMULATE',
    z.enum(VOXEQ_PRESET_NAMES, { error: (iss) => `must be one of ${VOXEQ_PRESET_NAMES.join(', ')}, ${got(iss.input)}` }),
  );
  if (voxeqSimulate !== undefined && production) errors.push('VOXEQ_SIMULATE: a simulated fraud screen is for development only');
  const elevenlabsApiKey = read('ELEVENLABS_API_KEY', secretSchema);
  const elevenlabsBaseUrl = read('ELEVENLABS_BASE_URL', baseUrlSchema);
  // Issued by ElevenLabs: its format is theirs, so no length rule.
  const elevenlabsWebhookSecret = featureSecret('ELEVENLABS_WEBHOOK_SECRET', false);
  const hostSessionSecret = featureSecret('CALLGATE_HOST_SESSION_SECRET', true);
  // Web Push: the VAPID key as a private P-256 JWK (JSON), and the contact push services may use.
  const vapidText = featureSecret('CALLGATE_VAPID_PRIVATE_KEY', false);
  let vapidPrivateJwk: JsonWebKey | undefined;
  if (vapidText !== undefined) {
    try {
      const jwk = JSON.parse(vapidText) as JsonWebKey;
      if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') throw new Error();
      vapidPrivateJwk = jwk;
    } catch {
      errors.push('CALLGATE_VAPID_PRIVATE_KEY: must be a P-256 private JWK {"kty":"EC","crv":"P-256","x","y","d"}');
    }
  }
  const vapidSubject = read('CALLGATE_VAPID_SUBJECT', z.string().trim().regex(/^(mailto:|https:\/\/)\S+$/, 'must be a mailto: or https: contact'));
  if ((vapidText === undefined) !== (vapidSubject === undefined) && !invalid('CALLGATE_VAPID_PRIVATE_KEY') && !invalid('CALLGATE_VAPID_SUBJECT'))
    errors.push(`${vapidSubject === undefined ? 'CALLGATE_VAPID_SUBJECT' : 'CALLGATE_VAPID_PRIVATE_KEY'}: required with ${vapidSubject === undefined ? 'CALLGATE_VAPID_PRIVATE_KEY' : 'CALLGATE_VAPID_SUBJECT'} (Web Push)`);
  const pushServices = loadPushServices(raw);
  errors.push(...pushServices.errors);
  // A scrape token that equals another secret would hand the scraper that secret's routes.
  const metricsToken = featureSecret('CALLGATE_METRICS_TOKEN', true);
  for (const name of DEV_SECRET_NAMES) {
    if (metricsToken !== undefined && metricsToken === secrets[SECRET_FIELD[name]]) {
      const line = `CALLGATE_METRICS_TOKEN: must differ from ${name}`;
      if (production) errors.push(line);
      else warnings.push(line);
    }
  }
  const fault = read(
    'CALLGATE_FAULT',
    z.enum(FAULT_POINTS, { error: (iss) => `must be one of ${FAULT_POINTS.join(', ')}, ${got(iss.input)}` }),
  );
  // A server that kills itself on purpose must never be the one taking real calls.
  if (fault !== undefined && production) errors.push('CALLGATE_FAULT: fault injection is for tests only and refused in production');

  if (production && delivery === 'console')
    warnings.push('CALLGATE_OTP_DELIVERY: console in production delivers nothing (codes are not printed); use webhook or twilio');
  if (production) {
    for (const [name, url] of [
      ['CALLGATE_OTP_WEBHOOK_URL', webhookUrl],
      ['TWILIO_API_BASE_URL', apiBaseUrl],
    ] as const) {
      const u = url === undefined ? null : parseUrl(url);
      if (u && u.protocol === 'http:' && !isLoopbackHost(u.hostname))
        warnings.push(`${name}: plain http in production sends secrets unencrypted`);
    }
  }
  // Read by the command-line tools (device simulator), not by the server.
  const known = new Set<string>([...CONFIG_VARIABLES, 'CALLGATE_URL', 'CALLGATE_DEVICE_DIR']);
  for (const name of Object.keys(env).sort()) {
    if (name.startsWith('CALLGATE_') && !known.has(name)) warnings.push(`${name}: unknown variable (ignored); a typo?`);
  }

  if (errors.length > 0) return { ok: false, errors };

  const config: Config = {
    nodeEnv,
    production,
    pidFile,
    port,
    host,
    publicUrl,
    db,
    policyDir,
    secrets: { ...(secrets as Config['secrets']), ...(metricsToken !== undefined ? { metrics: metricsToken } : {}) },
    otp: {
      delivery,
      ...(webhookUrl !== undefined && webhookSecret !== undefined ? { webhook: { url: webhookUrl, secret: webhookSecret } } : {}),
    },
    twilio: { apiBaseUrl, accountSid, authToken, messagingFrom, successUrl, failureUrl },
    voxeq: { webhookSecret: voxeqSecret, apiUrl: voxeqApiUrl, apiKey: voxeqApiKey, simulate: voxeqSimulate },
    elevenlabs: { apiKey: elevenlabsApiKey, baseUrl: elevenlabsBaseUrl, webhookSecret: elevenlabsWebhookSecret },
    hostSession: { secret: hostSessionSecret },
    webPush: { ...(vapidPrivateJwk ? { vapidPrivateJwk } : {}), ...(vapidSubject !== undefined ? { subject: vapidSubject } : {}) },
    ...(pushServices.fcm ? { fcm: pushServices.fcm } : {}),
    ...(pushServices.apns ? { apns: pushServices.apns } : {}),
    devOutbox: !production && delivery === 'console',
    retentionDays,
    ...(fault !== undefined ? { fault } : {}),
  };
  return { ok: true, config, usedDevSecrets, warnings };
}

