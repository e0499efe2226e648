// Device-bound keys of the phone app (docs/api.md): the app holds a P-256 key pair, the operator
// enrols its public JWK, and the app confirms a spoken Dynamic Identifier by signing
//   callgate-did-confirm:v1\n{session_id}\n{call_binding}\n{did}\n{nonce}
// with ECDSA P-256 / SHA-256. The signature travels as base64url of the IEEE P1363 form r‖s
// (64 bytes), which is what WebCrypto produces; DER (what most platform keystores emit) must be
// converted by the app, and is recognised so the app can be told so (signatureFormat).
// WebCrypto only: runs unchanged on Node and Cloudflare Workers.
import { fromBase64Url, toBase64Url, utf8 } from './bytes.js';

export const CONFIRM_MESSAGE_PREFIX = 'callgate-did-confirm:v1';

/** A P-256 public key as enrolled: exactly these four members. */
export type DevicePublicJwk = {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
};

/** The device's private key (the simulator's key file; never sent anywhere). */
export type DevicePrivateJwk = DevicePublicJwk & { d: string };

export interface ConfirmFields {
  sessionId: string;
  callBinding: string;
  did: string;
  nonce: string;
}

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** P-256 coordinates and scalars are 32 bytes: 43 base64url characters, unpadded. */
const COORDINATE_BYTES = 32;
/** IEEE P1363 r‖s for P-256. */
export const SIGNATURE_BYTES = 64;

/**
 * The exact UTF-8 string the device signs. Every field is a single line: a newline inside one
 * would make two different tuples sign the same bytes, so it is refused (TypeError). The verifier
 * must build this from the values it stored for the session, not from the client's copies.
 */
export function confirmMessage(f: ConfirmFields): string {
  const fields = [f.sessionId, f.callBinding, f.did, f.nonce];
  for (const v of fields) {
    if (typeof v !== 'string') throw new TypeError('confirmMessage: every field must be a string');
    if (v.includes('\n')) throw new TypeError('confirmMessage: fields must not contain a newline');
  }
  return [CONFIRM_MESSAGE_PREFIX, ...fields].join('\n');
}

/** Decodes base64url only when `s` is the canonical (unpadded, zero trailing bits) encoding of `bytes` bytes. */
function canonicalBytes(s: string, bytes: number): Uint8Array<ArrayBuffer> | null {
  const chars = Math.ceil((bytes * 4) / 3);
  if (s.length !== chars || !/^[A-Za-z0-9_-]+$/.test(s)) return null;
  const out = fromBase64Url(s);
  if (!out || out.length !== bytes || toBase64Url(out) !== s) return null;
  return out;
}

/** The public JWK reduced to {kty, crv, x, y}, or null when it is not a well-formed P-256 public key. */
export function parseDevicePublicJwk(jwk: unknown): DevicePublicJwk | null {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return null;
  const k = jwk as Record<string, unknown>;
  // A private key is refused outright: whoever holds this JWK holds the device's secret.
  if ('d' in k) return null;
  if (k.kty !== 'EC' || k.crv !== 'P-256') return null;
  if (typeof k.x !== 'string' || typeof k.y !== 'string') return null;
  if (!canonicalBytes(k.x, COORDINATE_BYTES) || !canonicalBytes(k.y, COORDINATE_BYTES)) return null;
  return { kty: 'EC', crv: 'P-256', x: k.x, y: k.y };
}

// Importing costs far more than verifying: keep recently used device keys, keyed by the point.
export const DEVICE_KEY_CACHE_LIMIT = 256;
const keyCache = new Map<string, Promise<CryptoKey>>();

/** Empties the imported-key cache (tests; a key rotation never needs it: the point is the key). */
export function clearDeviceKeyCache(): void {
  keyCache.clear();
}

/**
 * An ECDSA P-256 verify key for an enrolled JWK, or null when the JWK is malformed, carries a
 * private part (`d`), or names a point that is not on the curve. Never throws.
 */
export async function importDevicePublicKey(jwk: unknown): Promise<CryptoKey | null> {
  const pub = parseDevicePublicJwk(jwk);
  if (!pub) return null;
  const id = `${pub.x}.${pub.y}`;
  let pending = keyCache.get(id);
  if (pending) {
    // Most recently used goes to the back; the front is evicted first.
    keyCache.delete(id);
    keyCache.set(id, pending);
  } else {
    pending = crypto.subtle.importKey('jwk', { ...pub, ext: true }, ECDSA_P256, false, ['verify']);
    keyCache.set(id, pending);
    while (keyCache.size > DEVICE_KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!);
    // An invalid point is not remembered (and a failed import must not poison the cache).
    pending.catch(() => {
      if (keyCache.get(id) === pending) keyCache.delete(id);
    });
  }
  try {
    return await pending;
  } catch {
    return null;
  }
}

/**
 * How a submitted signature is encoded: `p1363` (base64url of the 64 bytes r‖s, canonical or with
 * `==` padding, the only form verified), `der` (base64url of an ASN.1 SEQUENCE of two INTEGERs,
 * what Android's and iOS's keystores return) or `other`. Lets the app be told its encoding is
 * wrong instead of having a good signature refused as a bad one.
 */
export type SignatureFormat = 'p1363' | 'der' | 'other';

export function signatureFormat(signatureB64url: string): SignatureFormat {
  if (typeof signatureB64url !== 'string' || signatureB64url.length > 256) return 'other';
  const unpadded = signatureB64url.endsWith('==') ? signatureB64url.slice(0, -2) : signatureB64url;
  if (canonicalBytes(unpadded, SIGNATURE_BYTES)) return 'p1363';
  const bytes = fromBase64Url(signatureB64url);
  return bytes && isDerEcdsaP256(bytes) ? 'der' : 'other';
}

/** SEQUENCE { INTEGER r, INTEGER s }, each positive and at most 32 bytes once a sign byte is dropped. */
function isDerEcdsaP256(b: Uint8Array): boolean {
  if (b.length < 8 || b[0] !== 0x30 || b[1] !== b.length - 2) return false;
  let i = 2;
  for (let n = 0; n < 2; n++) {
    if (b[i] !== 0x02) return false;
    const len = b[i + 1]!;
    const start = i + 2;
    if (len < 1 || len > COORDINATE_BYTES + 1 || start + len > b.length) return false;
    if (b[start]! & 0x80) return false; // negative
    if (len === COORDINATE_BYTES + 1 && b[start] !== 0) return false;
    i = start + len;
  }
  return i === b.length;
}

/**
 * True only for a valid ECDSA P-256 / SHA-256 signature over the UTF-8 `message`, given as the
 * base64url of the 64-byte P1363 r‖s (the canonical unpadded form, or with its `==` padding).
 * Anything else (DER, truncated, non-base64url, wrong key type) is false; never throws.
 * High-S signatures are accepted: phone keystores do not normalise s, and replay is stopped by
 * the single-use nonce, not by signature uniqueness.
 */
export async function verifyDeviceSignature(publicKey: CryptoKey, message: string, signatureB64url: string): Promise<boolean> {
  try {
    if (typeof message !== 'string' || typeof signatureB64url !== 'string') return false;
    const sig = signatureB64url.endsWith('==') ? signatureB64url.slice(0, -2) : signatureB64url;
    const bytes = canonicalBytes(sig, SIGNATURE_BYTES);
    if (!bytes) return false;
    return await crypto.subtle.verify(ECDSA_SHA256, publicKey, bytes, utf8(message));
  } catch {
    return false;
  }
}

/** What the phone app does: sign `message` with the device key; base64url of r‖s. */
export async function signAsDevice(privateKey: CryptoKey, message: string): Promise<string> {
  return toBase64Url(await crypto.subtle.sign(ECDSA_SHA256, privateKey, utf8(message)));
}

/** A fresh device key pair, exported: the public half reduced to {kty, crv, x, y}. */
export async function generateDeviceKeyPair(): Promise<{ publicJwk: DevicePublicJwk; privateJwk: DevicePrivateJwk }> {
  const pair = await crypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const priv = await crypto.subtle.exportKey('jwk', pair.privateKey);
  const publicJwk = parseDevicePublicJwk({ kty: priv.kty, crv: priv.crv, x: priv.x, y: priv.y });
  if (!publicJwk || typeof priv.d !== 'string') throw new Error('generateDeviceKeyPair: WebCrypto exported an unexpected JWK');
  return { publicJwk, privateJwk: { ...publicJwk, d: priv.d } };
}

/** The signing key for a stored private JWK; throws (TypeError/DataError) when it is not one. */
export async function importDevicePrivateKey(jwk: unknown): Promise<CryptoKey> {
  const { d, ...rest } = (typeof jwk === 'object' && jwk !== null ? jwk : {}) as Record<string, unknown>;
  const pub = parseDevicePublicJwk(rest);
  if (!pub || typeof d !== 'string' || !canonicalBytes(d, COORDINATE_BYTES))
    throw new TypeError('not a P-256 private JWK {kty: "EC", crv: "P-256", x, y, d}');
  return crypto.subtle.importKey('jwk', { ...pub, d, ext: false }, ECDSA_P256, false, ['sign']);
}
