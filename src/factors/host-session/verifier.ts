// Host-app session passthrough (docs/host-session.md). A web or mobile host app that already signed its user
// in passes `host_session_token`: a compact JWS, HS256 only, keyed with CALLGATE_HOST_SESSION_SECRET,
// `sub` = customer id, `exp` required. A valid token identifies the caller (it may remove the
// `identify` step); it is never a factor and never unlocks a privileged tool alone. An invalid one
// is a risk signal (`host_session_invalid`), never an error: verify() never throws.
// jose's webapi build: WebCrypto only, runs on Node and Workers.
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Clock, HostSession, HostSessionInvalidReason, HostSessionVerifier } from '../../kernel/ports.js';

export type { HostSession, HostSessionInvalidReason, HostSessionVerifier } from '../../kernel/ports.js';

export interface HostSessionOptions {
  /** Accepted skew on `exp`, `nbf` (seconds, default 30). */
  clockToleranceSeconds?: number;
  /** When set, `iss` must be (one of) this. */
  issuer?: string | string[];
  /** When set, `aud` must contain (one of) this. */
  audience?: string | string[];
}

export const HOST_SESSION_ALGORITHM = 'HS256';
const DEFAULT_HOST_SESSION_TOLERANCE_SECONDS = 30;
/** A session token is a few hundred characters; far longer is not one (and costs work to parse). */
const MAX_HOST_SESSION_TOKEN_LENGTH = 4096;
/** Longest customer id a token may name. */
const MAX_SUBJECT_LENGTH = 256;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * `secret` undefined or empty: the feature is off; any token present is `invalid: not_configured`
 * (the orchestrator decides whether that is a risk signal), no token is `absent`.
 */
export function createHostSessionVerifier(secret: string | undefined, clock: Clock, options: HostSessionOptions = {}): HostSessionVerifier {
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_HOST_SESSION_TOLERANCE_SECONDS;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new RangeError('clockToleranceSeconds must be ≥ 0');
  // Imported once, on first use (importKey costs more than the MAC).
  let key: Promise<CryptoKey> | null = null;
  const keyFor = (s: string) =>
    (key ??= crypto.subtle.importKey('raw', new TextEncoder().encode(s), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']));

  return {
    async verify(token) {
      try {
        if (token === undefined || token === null) return { status: 'absent' };
        if (typeof token !== 'string') return invalid('malformed');
        const jws = token.trim();
        if (jws === '') return { status: 'absent' };
        if (!secret) return invalid('not_configured');
        if (jws.length > MAX_HOST_SESSION_TOKEN_LENGTH || !COMPACT_JWS.test(jws)) return invalid('malformed');

        let payload: Record<string, unknown>;
        try {
          ({ payload } = await jwtVerify(jws, await keyFor(secret), {
            algorithms: [HOST_SESSION_ALGORITHM],
            currentDate: new Date(clock.now()),
            clockTolerance: tolerance,
            requiredClaims: ['exp'],
            ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
            ...(options.audience !== undefined ? { audience: options.audience } : {}),
          }));
        } catch (err) {
          return invalid(reasonFor(err));
        }

        const { sub, exp } = payload;
        if (typeof exp !== 'number' || !Number.isFinite(exp)) return invalid('malformed');
        if (typeof sub !== 'string' || sub.trim() === '' || sub.length > MAX_SUBJECT_LENGTH) return invalid('missing_subject');
        return { status: 'valid', customerId: sub, expiresAt: exp * 1000 };
      } catch {
        return invalid('malformed');
      }
    },
  };
}

function invalid(reason: HostSessionInvalidReason): HostSession {
  return { status: 'invalid', reason };
}

// Order inside jose: header and `alg` first (before any key use), then the MAC, then the claims,
// so `expired` / `not_yet_valid` are only reported for a token the secret really signed.
function reasonFor(err: unknown): HostSessionInvalidReason {
  if (err instanceof errors.JOSEAlgNotAllowed) return 'wrong_algorithm';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'not_yet_valid';
    if (err.claim === 'iss') return 'wrong_issuer';
    if (err.claim === 'aud') return 'wrong_audience';
  }
  return 'malformed';
}

export interface MintHostSessionOptions {
  /** The customer id. */
  sub: string;
  /** Lifetime in seconds (minutes are plenty: the token only has to reach the agent). */
  ttlSeconds: number;
  /** Issue time, milliseconds since the epoch (Clock.now()). */
  now: number;
  iss?: string;
  aud?: string | string[];
}

/**
 * Mints a token as a host app's server would (tests, the demo, the docs). Never call it in a
 * browser: whoever holds the secret can claim to be any customer.
 */
export async function mintHostSessionToken(secret: string, opts: MintHostSessionOptions): Promise<string> {
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('host session secret must be a non-empty string');
  if (typeof opts.sub !== 'string' || opts.sub.length === 0) throw new TypeError('sub must be a non-empty string');
  if (!Number.isFinite(opts.ttlSeconds) || opts.ttlSeconds <= 0) throw new RangeError('ttlSeconds must be > 0');
  const iat = Math.floor(opts.now / 1000);
  let jwt = new SignJWT({})
    .setProtectedHeader({ alg: HOST_SESSION_ALGORITHM, typ: 'JWT' })
    .setSubject(opts.sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + Math.ceil(opts.ttlSeconds));
  if (opts.iss !== undefined) jwt = jwt.setIssuer(opts.iss);
  if (opts.aud !== undefined) jwt = jwt.setAudience(opts.aud);
  return jwt.sign(new TextEncoder().encode(secret));
}
