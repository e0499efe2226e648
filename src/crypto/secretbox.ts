import { fromBase64Url, toBase64Url, utf8 } from './bytes.js';

// AES-256-GCM for secrets at rest (TOTP seeds). The key is derived from
// CALLGATE_SECRET_KEY with HKDF so the pepper and the encryption key never coincide.
export async function deriveAesKey(secret: string, info: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', utf8(secret), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: utf8('callgate'), info: utf8(info) },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

export async function seal(key: CryptoKey, plaintext: string, aad: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(aad) }, key, utf8(plaintext));
  return `v1.${toBase64Url(iv)}.${toBase64Url(ct)}`;
}

export async function open(key: CryptoKey, sealed: string, aad: string): Promise<string | null> {
  const [v, ivs, cts] = sealed.split('.');
  const iv = ivs ? fromBase64Url(ivs) : null;
  const ct = cts ? fromBase64Url(cts) : null;
  if (v !== 'v1' || !iv || !ct) return null;
  try {
    const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: utf8(aad) }, key, ct);
    return new TextDecoder().decode(pt);
  } catch {
    return null;
  }
}
