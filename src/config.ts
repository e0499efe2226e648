// Every environment variable (docs/api.md#environment-variables), read and validated in one place.
// Pure: the environment arrives as a plain object (process.env on Node, the bindings on Workers),
// nothing here touches the file system or the process. A bad start-up answers one line per problem,
// each naming its variable, and never repeats a secret's value.
import { z } from 'zod';
import { FAULT_POINTS, type FaultPoint } from './fault.js';

/** The VoxEQ simulator's canned verdicts (VOXEQ_SIMULATE=<name>). */
export const VOXEQ_PRESET_NAMES = ['clear', 'uncertain', 'watch_list', 'synthetic', 'mismatch', 'poor_audio'] as const;
export type VoxeqPresetName = (typeof VOXEQ_PRESET_NAMES)[number];

export const DEV_SECRET_NAMES = [
  'CALLGATE_TOOL_SECRET',
  'CALLGATE_IVR_SECRET',
  'CALLGATE_ADMIN_TOKEN',
  'CALLGATE_SECRET_KEY',
] as const;
export type DevSecretName = (typeof DEV_SECRET_NAMES)[number];
export type DevSecrets = Partial<Record<DevSecretName, string>>;

/** The only NODE_ENV values accepted (or unset): anything else is refused, not read as development. */
export const NODE_ENVS = ['production', 'development', 'test'] as const;

/**
 * NODE_ENV as start-up must read it, before anything else happens (development secrets are
 * generated only outside production): `Production` or `prod` is refused, never a quiet development.
 */
export function readNodeEnv(env: Record<string, string | undefined>): { ok: true; production: boolean } | { ok: false; error: string } {
  const v = env.NODE_ENV?.trim();
  if (v === undefined || v === '') return { ok: true, production: false };
  if (!(NODE_ENVS as readonly string[]).includes(v)) {
    return { ok: false, error: `NODE_ENV: must be ${NODE_ENVS.join(', ')} or unset, got ${JSON.stringify(v)}` };
  }
  return { ok: true, production: v === 'production' };
}

export const OTP_DELIVERIES = ['console', 'webhook', 'twilio'] as const;
export type OtpDelivery = (typeof OTP_DELIVERIES)[number];

/** Secrets we mint ourselves must be at least this long in production (256 bits of ASCII). */
export const MIN_PRODUCTION_SECRET_LENGTH = 32;

export const DEFAULTS = {
  PORT: 8787,
  HOST: '127.0.0.1',
  CALLGATE_DB: './data/callgate.sqlite',
  CALLGATE_POLICY_DIR: './policies',
  CALLGATE_OTP_DELIVERY: 'console' as OtpDelivery,
  TWILIO_API_BASE_URL: 'https://api.twilio.com',
  CALLGATE_RETENTION_DAYS: 90,
} as const;

export interface Config {
  /** NODE_ENV as given (undefined when unset). */
  nodeEnv: string | undefined;
  /** NODE_ENV === 'production'. */
  production: boolean;
  /** CALLGATE_PID_FILE: where `npm start` writes the server's pid (default: next to the database). */
  pidFile?: string | undefined;
  port: number;
  host: string;
  /** Public base URL without a trailing slash (TwiML URLs, Twilio signature checks). */
  publicUrl: string;
  /** SQLite file or ':memory:'. */
  db: string;
  policyDir: string;
  secrets: {
    /** CALLGATE_TOOL_SECRET: bearer for the ElevenLabs-facing routes. */
    tool: string;
    /** CALLGATE_IVR_SECRET: bearer for the IVR REST routes. */
    ivr: string;
    /** CALLGATE_ADMIN_TOKEN: bearer for /admin/*. */
    admin: string;
    /** CALLGATE_SECRET_KEY: peppers hashes, encrypts TOTP secrets. */
    key: string;
    /** CALLGATE_METRICS_TOKEN: optional scrape-only bearer for GET /metrics (the admin token works too). */
    metrics?: string;
  };
  otp: {
    delivery: OtpDelivery;
    /** Present (both fields) when CALLGATE_OTP_WEBHOOK_URL/SECRET are set; required for delivery 'webhook'. */
    webhook?: { url: string; secret: string };
  };
  twilio: {
    /** Without a trailing slash. */
    apiBaseUrl: string;
    accountSid?: string;
    authToken?: string;
    /** TWILIO_MESSAGING_FROM: an E.164 number or a Messaging Service SID (MG…). */
    messagingFrom?: string;
    /** Where a call confirmed in the TwiML flow is redirected (default: the built-in success handler). */
    successUrl?: string;
    /** Where a failed or canceled TwiML-flow call goes (default: the built-in failure handler). */
    failureUrl?: string;
  };
  voxeq: {
    webhookSecret?: string;
    /** Pull mode: poll VoxEQ for each call's verdict (VOXEQ_API_URL + VOXEQ_API_KEY). */
    apiUrl?: string;
    apiKey?: string;
    /** Development only: a simulated screen answering every call with this preset. */
    simulate?: VoxeqPresetName;
  };
  elevenlabs: {
    apiKey?: string;
    /** Undefined means the SDK's default URL. Without a trailing slash. */
    baseUrl?: string;
    webhookSecret?: string;
  };
  hostSession: { secret?: string };
  /** Web Push for push approvals (docs/push.md): the VAPID private key (a P-256 JWK) and its contact. */
  webPush: { vapidPrivateJwk?: JsonWebKey; subject?: string };
  /** GET /admin/outbox and the in-memory outbox: only outside production with console delivery. */
  devOutbox: boolean;
  /** CALLGATE_RETENTION_DAYS: terminal calls older than this are purged (0: kept forever). */
  retentionDays: number;
  /** CALLGATE_FAULT: crash tests only; the process kills itself at this point. Never in production. */
  fault?: FaultPoint;
}

export type LoadConfigResult =
  | { ok: true; config: Config; usedDevSecrets: DevSecretName[]; warnings: string[] }
  | { ok: false; errors: string[] };

/** Every variable loadConfig reads. */
export const CONFIG_VARIABLES = [
  'NODE_ENV',
  'PORT',
  'HOST',
  'CALLGATE_DB',
  'CALLGATE_POLICY_DIR',
  ...DEV_SECRET_NAMES,
  'CALLGATE_OTP_DELIVERY',
  'CALLGATE_OTP_WEBHOOK_URL',
  'CALLGATE_OTP_WEBHOOK_SECRET',
  'CALLGATE_PUBLIC_URL',
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'TWILIO_API_BASE_URL',
  'TWILIO_MESSAGING_FROM',
  'CALLGATE_TWILIO_SUCCESS_URL',
  'CALLGATE_TWILIO_FAILURE_URL',
  'VOXEQ_WEBHOOK_SECRET',
  'VOXEQ_API_URL',
  'VOXEQ_API_KEY',
  'VOXEQ_SIMULATE',
  'ELEVENLABS_API_KEY',
  'ELEVENLABS_BASE_URL',
  'ELEVENLABS_WEBHOOK_SECRET',
  'CALLGATE_HOST_SESSION_SECRET',
  'CALLGATE_VAPID_PRIVATE_KEY',
  'CALLGATE_VAPID_SUBJECT',
  'CALLGATE_FAULT',
  'CALLGATE_ALLOW_REMOTE_DEV',
  'CALLGATE_PID_FILE',
  'CALLGATE_METRICS_TOKEN',
  'CALLGATE_RETENTION_DAYS',
] as const;
type VarName = (typeof CONFIG_VARIABLES)[number];

const SECRET_FIELD: Record<DevSecretName, keyof Config['secrets']> = {
  CALLGATE_TOOL_SECRET: 'tool',
  CALLGATE_IVR_SECRET: 'ivr',
  CALLGATE_ADMIN_TOKEN: 'admin',
  CALLGATE_SECRET_KEY: 'key',
};

// ── field schemas ────────────────────────────────────────────────────────────────────────────
// Values arrive trimmed; an empty or blank value counts as unset (`FOO=` in a compose file).

const got = (input: unknown) => `got ${JSON.stringify(input)}`;

const portSchema = z
  .string()
  .refine((v) => /^\d{1,5}$/.test(v) && Number(v) <= 65535, {
    error: (iss) => `must be an integer 0–65535, ${got(iss.input)}`,
  })
  .transform(Number);

// At most 100 years: a typo of a few extra digits is refused, not read as "forever".
const retentionSchema = z
  .string()
  .refine((v) => /^\d{1,5}$/.test(v) && Number(v) <= 36_500, {
    error: (iss) => `must be a whole number of days 0–36500 (0 keeps calls forever), ${got(iss.input)}`,
  })
  .transform(Number);

const hostSchema = z.string().regex(/^[A-Za-z0-9._:\-[\]%]+$/, {
  error: (iss) => `must be a host name or IP address, ${got(iss.input)}`,
});

const pathSchema = z.string().min(1);

function parseUrl(v: string): URL | null {
  try {
    return new URL(v);
  } catch {
    return null;
  }
}

const isHttpUrl = (v: string) => {
  const u = parseUrl(v);
  return u !== null && (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
};

const stripTrailingSlash = (v: string) => v.replace(/\/+$/, '');

/** An http(s) URL. `echo` false for URLs that may carry a secret (a webhook URL with a token in it). */
const httpUrlSchema = (echo = true) =>
  z
    .string()
    .refine(isHttpUrl, {
      error: (iss) => `must be an http(s) URL${echo ? `, ${got(iss.input)}` : ''}`,
    })
    .transform(stripTrailingSlash);

const baseUrlSchema = z
  .string()
  .refine(isHttpUrl, { error: (iss) => `must be an http(s) URL, ${got(iss.input)}`, abort: true })
  .refine((v) => {
    const u = parseUrl(v);
    return u !== null && u.search === '' && u.hash === '' && u.username === '' && u.password === '';
  }, { error: 'must be a base URL without credentials, query or fragment' })
  .transform(stripTrailingSlash);

const deliverySchema = z.enum(OTP_DELIVERIES, {
  error: (iss) => `must be one of ${OTP_DELIVERIES.join(' | ')}, ${got(iss.input)}`,
});

const accountSidSchema = z.string().regex(/^AC[0-9a-fA-F]{32}$/, {
  error: (iss) => `must be "AC" followed by 32 hex digits, ${got(iss.input)}`,
});

const messagingFromSchema = z
  .string()
  .regex(/^(\+[1-9]\d{1,14}|MG[0-9a-fA-F]{32})$/, {
    error: (iss) => `must be an E.164 number (+15551234567) or a Messaging Service SID (MG + 32 hex), ${got(iss.input)}`,
  });

/** Secrets: never echoed. */
const secretSchema = z.string().regex(/^\S+$/, { error: 'must not contain whitespace' });

// ── loadConfig ───────────────────────────────────────────────────────────────────────────────

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
  if (mode.ok && !production && !invalid('HOST') && !isLoopback(host) && allowRemoteDev === undefined && !invalid('CALLGATE_ALLOW_REMOTE_DEV')) {
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
      if (u && u.protocol === 'http:' && !isLoopback(u.hostname))
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
    devOutbox: !production && delivery === 'console',
    retentionDays,
    ...(fault !== undefined ? { fault } : {}),
  };
  return { ok: true, config, usedDevSecrets, warnings };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

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
    ['dev outbox', config.devOutbox ? 'on (GET /admin/outbox)' : 'off'],
    ...(config.fault ? ([['CALLGATE_FAULT', `${config.fault} (the process kills itself there)`]] as [string, string][]) : []),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** http://host:port, with an IPv6 host in brackets (once). */
export const hostUrl = (host: string, port: number): string =>
  `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
