// ElevenLabs webhook signatures, checked with WebCrypto only (this runs on Workers too):
//   ElevenLabs-Signature: t=<unix seconds>,v0=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// The SDK's `webhooks.constructEvent` checks the same scheme, but its module requires Node's
// `crypto` (and the SDK's index pulls child_process, fs, ws…) and it compares the MAC with `!==`.
// The header is read the way the SDK reads it (comma-separated, the first entry starting with
// `t=` and the first starting with `v0=`, nothing trimmed, lower-case hex), so a header the SDK
// accepts is accepted here too, except for two deliberate refusals:
//   - `t` must be a plain integer: the SDK ages it with Number(), and a NaN passes its age check;
//   - `t` at most MAX_SKEW_SECONDS ahead: the SDK sets no bound, which stretches the replay window.
// The MAC is compared in constant time, before the age, so `stale_signature` is only ever
// reported for a body the secret really signed. A test runs both over the same headers.
import { timingSafeEqualString } from '../crypto/compare.js';
import { cachedHmacKey, hmacHex } from '../crypto/hmac.js';
import type { SignatureFailure } from '../crypto/signature.js';

export const ELEVENLABS_SIGNATURE_HEADER = 'ElevenLabs-Signature';
/** The SDK's window: a signature older than 30 minutes is refused. */
export const MAX_AGE_SECONDS = 30 * 60;
/** The SDK accepts any future timestamp; a few minutes of clock skew is all we allow. */
export const MAX_SKEW_SECONDS = 5 * 60;

export type ElevenLabsSignatureFailure = SignatureFailure;
export type ElevenLabsVerifyResult = { ok: true; t: number } | { ok: false; reason: ElevenLabsSignatureFailure };

const TIMESTAMP = /^\d{1,12}$/;
const MAC = /^[0-9a-f]{64}$/;

const mac = async (secret: string, t: string, rawBody: string) => hmacHex(await cachedHmacKey(secret), `${t}.${rawBody}`);

/** `t=<t>,v0=<hex>`, as ElevenLabs sends it. */
export async function signElevenLabsBody(secret: string, rawBody: string, t: number): Promise<string> {
  if (!Number.isSafeInteger(t) || t < 0) throw new RangeError('signature timestamp must be a non-negative integer (unix seconds)');
  return `t=${t},v0=${await mac(secret, String(t), rawBody)}`;
}

export async function verifyElevenLabsSignature(
  secret: string,
  header: string | null | undefined,
  rawBody: string,
  nowSeconds: number,
): Promise<ElevenLabsVerifyResult> {
  if (!secret) throw new TypeError('webhook secret must be a non-empty string');
  if (header === null || header === undefined || header === '') return { ok: false, reason: 'missing_signature' };
  const entries = header.split(',');
  // The first of each, as the SDK picks them; later duplicates are ignored, not compared.
  const t = entries.find((e) => e.startsWith('t='))?.slice(2);
  const v0 = entries.find((e) => e.startsWith('v0='))?.slice(3);
  if (t === undefined || v0 === undefined || !TIMESTAMP.test(t) || !MAC.test(v0)) return { ok: false, reason: 'malformed_signature' };
  // Signed over `t` as sent (leading zeros included), as the SDK verifies it.
  if (!timingSafeEqualString(await mac(secret, t, rawBody), v0)) return { ok: false, reason: 'bad_signature' };
  const at = Number(t);
  if (at < nowSeconds - MAX_AGE_SECONDS || at > nowSeconds + MAX_SKEW_SECONDS) return { ok: false, reason: 'stale_signature' };
  return { ok: true, t: at };
}
