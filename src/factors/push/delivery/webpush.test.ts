import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url, utf8 } from '../../../crypto/bytes.js';
import { decryptAes128gcm } from '../../../../test/fakes/web-push.js';
import { encryptPayload } from './webpush.js';

// RFC 8291, Appendix A: every input fixed, the exact message expected.
const RFC = {
  plaintext: 'When I grow up, I want to be a watermelon',
  asPrivate: 'yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw',
  asPublic: 'BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8',
  uaPrivate: 'q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94',
  uaPublic: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
  auth: 'BTBZMqHH6r4Tts7J_aSIgg',
  salt: 'DGv6ra1nlYgDCS1FRnbzlw',
  message:
    'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
};

/** The application server's key pair of the vector, as WebCrypto ECDH keys. */
async function asKeyPair(): Promise<CryptoKeyPair> {
  const raw = fromBase64Url(RFC.asPublic)!;
  const jwk = { kty: 'EC', crv: 'P-256', x: toBase64Url(raw.subarray(1, 33)), y: toBase64Url(raw.subarray(33)) };
  const alg = { name: 'ECDH', namedCurve: 'P-256' };
  return {
    privateKey: await crypto.subtle.importKey('jwk', { ...jwk, d: RFC.asPrivate }, alg, false, ['deriveBits']),
    publicKey: await crypto.subtle.importKey('jwk', jwk, alg, true, []),
  };
}

describe('RFC 8291 aes128gcm encryption (WebCrypto)', () => {
  it('reproduces the Appendix A message byte for byte', async () => {
    const body = await encryptPayload(utf8(RFC.plaintext), { p256dh: RFC.uaPublic, auth: RFC.auth }, { salt: fromBase64Url(RFC.salt)!, keyPair: await asKeyPair() });
    expect(toBase64Url(body)).toBe(RFC.message);
  });

  it('the receiving side (node:crypto) decrypts the Appendix A message with the user agent key', () => {
    const plain = decryptAes128gcm(Buffer.from(RFC.message, 'base64url'), Buffer.from(RFC.uaPrivate, 'base64url'), Buffer.from(RFC.uaPublic, 'base64url'), Buffer.from(RFC.auth, 'base64url'));
    expect(plain.toString('utf8')).toBe(RFC.plaintext);
  });

  it('a fresh message each time (new salt and key) that only the subscription can read', async () => {
    const sub = { p256dh: RFC.uaPublic, auth: RFC.auth };
    const [a, b] = [await encryptPayload(utf8('{"x":1}'), sub), await encryptPayload(utf8('{"x":1}'), sub)];
    expect(toBase64Url(a)).not.toBe(toBase64Url(b));
    const read = (m: Uint8Array, auth: string) => decryptAes128gcm(Buffer.from(m), Buffer.from(RFC.uaPrivate, 'base64url'), Buffer.from(RFC.uaPublic, 'base64url'), Buffer.from(auth, 'base64url'));
    expect(read(a, RFC.auth).toString()).toBe('{"x":1}');
    expect(() => read(b, toBase64Url(new Uint8Array(16)))).toThrow();
  });

  it('refuses keys that are not a subscription', async () => {
    await expect(encryptPayload(utf8('x'), { p256dh: RFC.auth, auth: RFC.auth })).rejects.toThrow(/p256dh/);
    await expect(encryptPayload(utf8('x'), { p256dh: RFC.uaPublic, auth: RFC.uaPublic })).rejects.toThrow(/auth/);
  });
});
