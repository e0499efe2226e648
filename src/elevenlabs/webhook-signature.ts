// ElevenLabs webhook signatures, checked with WebCrypto only (this runs on Workers too):
//   ElevenLabs-Signature: t=<unix seconds>,v0=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// The SDK's `webhooks.constructEvent` checks the same scheme, but its module requires Node's
// `crypto` (and the SDK's index pulls child_process, fs, ws…) and it compares the MAC with `!==`.
// Here the MAC is compared in constant time, before the age, so `stale_signature` is only ever
// reported for a body the secret really signed. A test proves both accept and refuse alike.
import { signatureV1, verifyBody, type Scheme, type SignatureFailure } from '../crypto/signature.js';

export const ELEVENLABS_SIGNATURE_HEADER = 'ElevenLabs-Signature';
/** The SDK's window: a signature older than 30 minutes is refused. */
export const MAX_AGE_SECONDS = 30 * 60;
/** The SDK accepts any future timestamp; a few minutes of clock skew is all we allow. */
export const MAX_SKEW_SECONDS = 5 * 60;

/** callgate's signature scheme with ElevenLabs' tag and windows. */
const ELEVENLABS_SCHEME: Scheme = { version: 'v0', maxAgeSeconds: MAX_AGE_SECONDS, maxSkewSeconds: MAX_SKEW_SECONDS };

export type ElevenLabsSignatureFailure = SignatureFailure;
export type ElevenLabsVerifyResult = { ok: true; t: number } | { ok: false; reason: ElevenLabsSignatureFailure };

/** `t=<t>,v0=<hex>`, as ElevenLabs sends it. */
export async function signElevenLabsBody(secret: string, rawBody: string, t: number): Promise<string> {
  if (!Number.isSafeInteger(t) || t < 0) throw new RangeError('signature timestamp must be a non-negative integer (unix seconds)');
  return `t=${t},v0=${await signatureV1(secret, rawBody, t)}`;
}

export async function verifyElevenLabsSignature(
  secret: string,
  header: string | null | undefined,
  rawBody: string,
  nowSeconds: number,
): Promise<ElevenLabsVerifyResult> {
  if (!secret) throw new TypeError('webhook secret must be a non-empty string');
  return verifyBody(secret, header, rawBody, nowSeconds, ELEVENLABS_SCHEME);
}
