import { toBase64Url, utf8 } from '../../../crypto/bytes.js';
import { pkcs8Der } from '../../../crypto/pem.js';

// The two signed tokens the native push services want, with WebCrypto only (Node and Workers):
// RS256 for Google's OAuth service-account grant, ES256 for APNs provider tokens. Both keys
// arrive as PKCS#8 PEM, as Google's service-account JSON and Apple's .p8 file hold them.

export type JwtKind = 'RS256' | 'ES256';

const ALGORITHMS = {
  RS256: { importAs: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, signAs: { name: 'RSASSA-PKCS1-v1_5' } },
  ES256: { importAs: { name: 'ECDSA', namedCurve: 'P-256' }, signAs: { name: 'ECDSA', hash: 'SHA-256' } },
} as const;

/** The signing key; throws a TypeError naming only the algorithm (never the key) when it does not import. */
export async function importSigningKey(pem: string, kind: JwtKind): Promise<CryptoKey> {
  const der = pkcs8Der(pem);
  if (!der) throw new TypeError(`${kind} key: not a PKCS#8 PEM private key`);
  try {
    return await crypto.subtle.importKey('pkcs8', der, ALGORITHMS[kind].importAs, false, ['sign']);
  } catch {
    throw new TypeError(`${kind} key: does not import (${kind === 'RS256' ? 'an RSA' : 'a P-256 EC'} key is needed)`);
  }
}

const part = (v: unknown) => toBase64Url(utf8(JSON.stringify(v)));

/** header.claims.signature; WebCrypto's ECDSA signature is r‖s, which is the JWS ES256 form. */
export async function signJwt(kind: JwtKind, key: CryptoKey, header: Record<string, string>, claims: Record<string, unknown>): Promise<string> {
  const input = `${part({ alg: kind, ...header })}.${part(claims)}`;
  const signature = await crypto.subtle.sign(ALGORITHMS[kind].signAs, key, utf8(input));
  return `${input}.${toBase64Url(signature)}`;
}
