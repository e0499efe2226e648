// What configuration is: the variables callgate reads, their defaults and the validated Config.
import type { FaultPoint } from './fault.js';
import type { ApnsConfig, FcmConfig } from './config-push.js';

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
  /** FCM HTTP v1 for push approvals (CALLGATE_FCM_*): present when a service account is configured. */
  fcm?: FcmConfig;
  /** APNs with a provider token (CALLGATE_APNS_*): present when the key, its id, the team and the topic are. */
  apns?: ApnsConfig;
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
  'CALLGATE_FCM_SERVICE_ACCOUNT',
  'CALLGATE_FCM_API_URL',
  'CALLGATE_APNS_KEY',
  'CALLGATE_APNS_KEY_ID',
  'CALLGATE_APNS_TEAM_ID',
  'CALLGATE_APNS_TOPIC',
  'CALLGATE_APNS_ENV',
  'CALLGATE_APNS_ORIGIN',
  'CALLGATE_FAULT',
  'CALLGATE_ALLOW_REMOTE_DEV',
  'CALLGATE_PID_FILE',
  'CALLGATE_METRICS_TOKEN',
  'CALLGATE_RETENTION_DAYS',
] as const;
export type VarName = (typeof CONFIG_VARIABLES)[number];
