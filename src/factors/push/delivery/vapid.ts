import { fromBase64Url, toBase64Url, utf8 } from '../../../crypto/bytes.js';

// RFC 8292 VAPID: the application server identifies itself to a push service with an ES256 JWT
// (aud: the push service's origin; exp: within 24 hours; sub: a contact) and its public key.

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
/** Tokens are made for 12 hours (RFC 8292 allows up to 24) and reused until an hour before. */
const TOKEN_SECONDS = 12 * 3600;

export interface VapidKey {
  privateKey: CryptoKey;
  /** The public key, uncompressed (65 bytes), base64url: the `k` parameter and what apps subscribe with. */
  publicKey: string;
}

/** The VAPID key from a P-256 private JWK {kty, crv, x, y, d}; throws on anything else. */
export async function importVapidKey(jwk: JsonWebKey): Promise<VapidKey> {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.x || !jwk.y) throw new TypeError('VAPID key: not a P-256 private JWK');
  const privateKey = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d, ext: false }, ECDSA_P256, false, ['sign']);
  const x = fromBase64Url(jwk.x);
  const y = fromBase64Url(jwk.y);
  if (!x || !y || x.length !== 32 || y.length !== 32) throw new TypeError('VAPID key: bad coordinates');
  const raw = new Uint8Array(65);
  raw[0] = 0x04;
  raw.set(x, 1);
  raw.set(y, 33);
  return { privateKey, publicKey: toBase64Url(raw) };
}

/** A fresh VAPID key pair, the private half as a JWK (to keep in a secret store). */
export async function generateVapidKey(): Promise<JsonWebKey> {
  const pair = (await crypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const { kty, crv, x, y, d } = await crypto.subtle.exportKey('jwk', pair.privateKey);
  return { kty, crv, x, y, d } as JsonWebKey;
}

const part = (v: unknown) => toBase64Url(utf8(JSON.stringify(v)));

/** `vapid t=<jwt>, k=<public key>` for a request to `endpoint`, valid from `nowSeconds`. */
export async function vapidAuthorization(key: VapidKey, endpoint: string, subject: string, nowSeconds: number): Promise<string> {
  const signingInput = `${part({ typ: 'JWT', alg: 'ES256' })}.${part({ aud: new URL(endpoint).origin, exp: nowSeconds + TOKEN_SECONDS, sub: subject })}`;
  // WebCrypto's ECDSA signature is r‖s, 64 bytes: exactly the JWS ES256 form.
  const signature = toBase64Url(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, utf8(signingInput)));
  return `vapid t=${signingInput}.${signature}, k=${key.publicKey}`;
}

/** Caches one token per push-service origin until an hour before it expires. */
export function vapidSigner(key: VapidKey, subject: string, nowSeconds: () => number) {
  const cache = new Map<string, { header: string; until: number }>();
  return async (endpoint: string): Promise<string> => {
    const origin = new URL(endpoint).origin;
    const now = nowSeconds();
    const hit = cache.get(origin);
    if (hit && hit.until > now) return hit.header;
    const header = await vapidAuthorization(key, endpoint, subject, now);
    cache.set(origin, { header, until: now + TOKEN_SECONDS - 3600 });
    return header;
  };
}
