import { toHex, utf8 } from './bytes.js';

// HMAC-SHA256 through WebCrypto. Keys are imported once and cached by the caller:
// importKey costs more than the MAC itself on the hot path.
export function importHmacKey(secret: string | Uint8Array<ArrayBuffer>, hash: 'SHA-256' | 'SHA-1' = 'SHA-256'): Promise<CryptoKey> {
  const raw = typeof secret === 'string' ? utf8(secret) : secret;
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash }, false, ['sign']);
}

const MAX_CACHED_KEYS = 64;
const keyCache = new Map<string, Promise<CryptoKey>>();

/**
 * The imported key for a secret we verify or sign with again and again (webhook secrets, a Twilio
 * auth token): bounded, and a failed import is forgotten rather than cached.
 */
export function cachedHmacKey(secret: string, hash: 'SHA-256' | 'SHA-1' = 'SHA-256'): Promise<CryptoKey> {
  const id = `${hash}:${secret}`;
  let key = keyCache.get(id);
  if (!key) {
    if (keyCache.size >= MAX_CACHED_KEYS) keyCache.clear();
    key = importHmacKey(secret, hash);
    keyCache.set(id, key);
    key.catch(() => keyCache.delete(id));
  }
  return key;
}

/** One secret, or several during a rotation. An empty key is one anyone can sign with: refused loudly. */
export function nonEmptySecrets(secret: string | readonly string[], what: string): string[] {
  const list = typeof secret === 'string' ? [secret] : [...secret];
  if (list.length === 0 || list.some((s) => typeof s !== 'string' || s.length === 0)) throw new TypeError(`${what} must be a non-empty string`);
  return list;
}

export async function hmacHex(key: CryptoKey, message: string): Promise<string> {
  return toHex(await crypto.subtle.sign('HMAC', key, utf8(message)));
}

export async function sha256Hex(message: string): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', utf8(message)));
}
