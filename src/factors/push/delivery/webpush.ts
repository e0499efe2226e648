import { fromBase64Url } from '../../../crypto/bytes.js';

// RFC 8291 message encryption for Web Push, content coding aes128gcm (RFC 8188), with WebCrypto
// only, so it runs unchanged on Node and Workers. One record: the payloads here are small.

const P256_ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;
/** The record size written in the header; a single record always fits under it. */
export const RECORD_SIZE = 4096;
const enc = new TextEncoder();

const concat = (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** HKDF-SHA-256 (extract and expand) of `length` bytes. */
async function hkdf(salt: Uint8Array<ArrayBuffer>, ikm: Uint8Array<ArrayBuffer>, info: Uint8Array<ArrayBuffer>, length: number) {
  const key = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, key, length * 8));
}

export interface Subscription {
  /** The user agent's P-256 public key, uncompressed (65 bytes), base64url. */
  p256dh: string;
  /** The 16-byte authentication secret, base64url. */
  auth: string;
}

/** What a test fixes to reproduce a known ciphertext; left out, both are fresh for every message. */
export interface EncryptOptions {
  salt?: Uint8Array<ArrayBuffer>;
  /** The application server's ephemeral ECDH key pair. */
  keyPair?: CryptoKeyPair;
}

/**
 * The aes128gcm body for `plaintext` to the subscription: salt ‖ rs ‖ idlen ‖ keyid (the
 * ephemeral public key) ‖ ciphertext, as RFC 8291 section 4 lays it out.
 */
export async function encryptPayload(plaintext: Uint8Array<ArrayBuffer>, sub: Subscription, opts: EncryptOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  const uaPublic = fromBase64Url(sub.p256dh);
  const authSecret = fromBase64Url(sub.auth);
  if (!uaPublic || uaPublic.length !== 65 || uaPublic[0] !== 0x04) throw new TypeError('p256dh: not an uncompressed P-256 point');
  if (!authSecret || authSecret.length !== 16) throw new TypeError('auth: not 16 bytes');
  if (plaintext.length + 17 > RECORD_SIZE) throw new RangeError('payload too large for one record');

  const keyPair = opts.keyPair ?? ((await crypto.subtle.generateKey(P256_ECDH, true, ['deriveBits'])) as CryptoKeyPair);
  const salt = opts.salt ?? crypto.getRandomValues(new Uint8Array(16));
  const uaKey = await crypto.subtle.importKey('raw', uaPublic, P256_ECDH, false, []);
  const asPublic = new Uint8Array(await crypto.subtle.exportKey('raw', keyPair.publicKey));
  const ecdhSecret = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: uaKey }, keyPair.privateKey, 256));

  // RFC 8291 §3.4: the IKM binds the shared secret to both public keys and the auth secret.
  const keyInfo = concat(enc.encode('WebPush: info\0'), uaPublic, asPublic);
  const ikm = await hkdf(authSecret, ecdhSecret, keyInfo, 32);
  // RFC 8188 §2.2–2.3: the content-encryption key and the nonce from the salt.
  const cek = await hkdf(salt, ikm, enc.encode('Content-Encoding: aes128gcm\0'), 16);
  const nonce = await hkdf(salt, ikm, enc.encode('Content-Encoding: nonce\0'), 12);

  const key = await crypto.subtle.importKey('raw', cek, 'AES-GCM', false, ['encrypt']);
  // The last (and only) record ends with the delimiter 0x02, no padding.
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce }, key, concat(plaintext, new Uint8Array([2]))));
  const header = new Uint8Array(21);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header.set(salt, 0);
  header[20] = asPublic.length;
  return concat(header, asPublic, ciphertext);
}
