// Signed callbacks (docs/api.md): the scheme for OTP webhook delivery and VoxEQ results.
//   X-Callgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=<hex>…]
// ElevenLabs signs its webhooks the same way with a `v0` tag and other windows (see `Scheme`).
// Several v1 entries let a sender sign with the old and the new secret while a key rotates; the
// receiver accepts the header when any entry matches any of its secrets. WebCrypto only.
import { fromHex } from './bytes.js';
import { timingSafeEqual } from './compare.js';
import { cachedHmacKey, hmacHex, nonEmptySecrets } from './hmac.js';

export const SIGNATURE_HEADER = 'X-Callgate-Signature';
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureFailure = 'missing_signature' | 'malformed_signature' | 'stale_signature' | 'bad_signature';
export type VerifyResult = { ok: true; t: number } | { ok: false; reason: SignatureFailure };

/** The MAC's tag in the header and how old / how far ahead a timestamp may be. */
export interface Scheme {
  version: string;
  maxAgeSeconds: number;
  maxSkewSeconds: number;
}

/** callgate's own scheme: v1, 300 s either way. */
export const CALLGATE_SCHEME: Scheme = {
  version: 'v1',
  maxAgeSeconds: DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  maxSkewSeconds: DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
};

/** A secret, or several (rotation: sign with both, or accept either). */
export type SigningSecret = string | readonly string[];

/** More entries than this is not a rotation, it is a header built to make us work. */
const MAX_ENTRIES = 16;
/** The MAC (hex) of a body at time t: HMAC-SHA256(secret, "<t>.<body>"), whatever its tag. */
export async function signatureV1(secret: string, rawBody: string, t: number): Promise<string> {
  return hmacHex(await cachedHmacKey(secret), `${t}.${rawBody}`);
}

/** `t=<t>,v1=<hex>` (one v1 per secret). `t` is unix seconds, a non-negative integer. */
export async function signBody(secret: SigningSecret, rawBody: string, t: number): Promise<string> {
  if (!Number.isSafeInteger(t) || t < 0) throw new RangeError('signature timestamp must be a non-negative integer (unix seconds)');
  const macs = await Promise.all(nonEmptySecrets(secret, 'signature secret').map((s) => signatureV1(s, rawBody, t)));
  return [`t=${t}`, ...macs.map((m) => `v1=${m}`)].join(',');
}

interface ParsedHeader {
  t: number;
  macs: Uint8Array[];
}

/** Strict parse: `t` exactly once (digits), at least one `version` MAC of 64 hex digits; other schemes ignored. */
export function parseSignatureHeader(header: string, version = 'v1'): ParsedHeader | null {
  const parts = header.split(',');
  if (parts.length > MAX_ENTRIES) return null;
  let t: number | undefined;
  const macs: Uint8Array[] = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't') {
      if (t !== undefined || !/^\d{1,12}$/.test(v)) return null;
      t = Number(v);
    } else if (k === version) {
      const mac = /^[0-9a-fA-F]{64}$/.test(v) ? fromHex(v) : null;
      if (!mac) return null;
      macs.push(mac);
    } else if (!/^[a-z][a-z0-9]*$/.test(k)) {
      return null;
    }
  }
  if (t === undefined || macs.length === 0) return null;
  return { t, macs };
}

/**
 * Checks a signed callback. The MAC is checked before the age, so `stale_signature` is only ever
 * reported for a body the secret really signed (a clock-skew hint, not a forgery oracle).
 * Both directions count: a timestamp more than `scheme.maxSkewSeconds` in the future is stale too.
 */
export async function verifyBody(
  secret: SigningSecret,
  header: string | null | undefined,
  rawBody: string,
  nowSeconds: number,
  scheme: Scheme = CALLGATE_SCHEME,
): Promise<VerifyResult> {
  if (header === null || header === undefined || header.trim() === '') return { ok: false, reason: 'missing_signature' };
  const parsed = parseSignatureHeader(header, scheme.version);
  if (!parsed) return { ok: false, reason: 'malformed_signature' };

  let match = false;
  for (const s of nonEmptySecrets(secret, 'signature secret')) {
    const expected = fromHex(await signatureV1(s, rawBody, parsed.t))!;
    // Every entry is compared, whichever matches: no early exit.
    for (const candidate of parsed.macs) match = timingSafeEqual(expected, candidate) || match;
  }
  if (!match) return { ok: false, reason: 'bad_signature' };
  const now = Math.floor(nowSeconds);
  if (parsed.t < now - scheme.maxAgeSeconds || parsed.t > now + scheme.maxSkewSeconds) return { ok: false, reason: 'stale_signature' };
  return { ok: true, t: parsed.t };
}
