// The ports: the small interfaces core code receives instead of reaching for globals or a
// runtime, so tests move a fake clock and capture logs, and Node and Workers plug in their own.
import type { ScreenProvider } from '../providers/voxeq/types.js';
import type { PushTarget, PushTransport } from '../factors/push/schema.js';

export type { RandomSource } from '../crypto/random.js';
export type { Waker, WakeKey } from './waker.js';
export type { Timers } from './timers.js';
export type { RateLimiter } from './rate-limit.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export type LogFields = Record<string, unknown>;

/** Structured JSON lines. Never pass a code, answer, token or secret in `fields`. */
export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export function jsonLogger(write: (line: string) => void = (l) => console.log(l)): Logger {
  const emit = (level: string) => (event: string, fields?: LogFields) =>
    write(JSON.stringify({ at: new Date().toISOString(), level, event, ...fields }));
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** How this deployment screens calls: `expected` when a fraud screen is wired in (push or pull). */
export interface ScreenSetup {
  expected: boolean;
  provider?: ScreenProvider | undefined;
}

// Host-app sessions (docs/host-session.md): verified by a port so the verifier's keys stay outside core logic.
export type HostSessionInvalidReason =
  | 'malformed'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_algorithm'
  | 'missing_subject'
  | 'not_configured'
  /** Only when an expected issuer is configured. */
  | 'wrong_issuer'
  /** Only when an expected audience is configured. */
  | 'wrong_audience';

export type HostSession =
  | { status: 'absent' }
  /** `expiresAt`: the token's `exp`, in milliseconds since the epoch (like Clock.now()). */
  | { status: 'valid'; customerId: string; expiresAt: number }
  | { status: 'invalid'; reason: HostSessionInvalidReason };

export interface HostSessionVerifier {
  verify(token: string | undefined | null): Promise<HostSession>;
}


/** One push to a device through its push service (factors/push/delivery): a wake-up, never a secret. */
export interface PushMessage {
  /** JSON the app receives (Web Push encrypts it end to end; FCM and APNs carry it as data). */
  payload: Record<string, string>;
  /** Seconds the push service may hold it for an offline device. */
  ttlSeconds: number;
}

/** `gone`: the push service says the subscription or token no longer exists (drop it). */
export type PushSendResult = { ok: true; status: number } | { ok: false; status: number; gone: boolean };

export interface PushSender {
  send(transport: Exclude<PushTransport, 'pull'>, target: PushTarget, message: PushMessage): Promise<PushSendResult>;
}
