import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from './bytes.js';
import {
  clearDeviceKeyCache,
  confirmMessage,
  DEVICE_KEY_CACHE_LIMIT,
  generateDeviceKeyPair,
  importDevicePrivateKey,
  importDevicePublicKey,
  parseDevicePublicJwk,
  signAsDevice,
  signatureFormat,
  verifyDeviceSignature,
  type ConfirmFields,
} from './device-signature.js';

const FIELDS: ConfirmFields = { sessionId: 'csn_7Qm2', callBinding: 'cb_CA0123456789abcdef', did: '482916', nonce: 'n_k3J9xQ' };
const CANONICAL = 'callgate-did-confirm:v1\ncsn_7Qm2\ncb_CA0123456789abcdef\n482916\nn_k3J9xQ';

// Known answer, produced once with node:crypto (OpenSSL), not with the code under test.
const VECTOR = {
  jwk: { kty: 'EC', crv: 'P-256', x: 'H5-XRpE1Mes3Izght0nfjCgaBct7IbGMCT3w2_mSAOk', y: 'f7wp03cUtneyM5_Ouf87lScSuYKJ9R9SXzBEBHR8SKk' },
  signature: 'PJt6X9WvethzL7cu4vL0KtfvFVOzRnxEJPnutUcRDcsW4Jzvr44UtGwMjqT20_ApqCzvexJyvDdb2l8V0QhlfQ',
};

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const toBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`);
const fromBig = (n: bigint) => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));

async function device() {
  const { publicJwk, privateJwk } = await generateDeviceKeyPair();
  const publicKey = (await importDevicePublicKey(publicJwk))!;
  const privateKey = await importDevicePrivateKey(privateJwk);
  return { publicJwk, privateJwk, publicKey, privateKey };
}

beforeEach(() => clearDeviceKeyCache());

describe('confirmMessage', () => {
  it('is exactly the documented canonical string, no trailing newline', () => {
    expect(confirmMessage(FIELDS)).toBe(CANONICAL);
    expect(confirmMessage(FIELDS).endsWith('\n')).toBe(false);
    expect(confirmMessage(FIELDS).split('\n')).toEqual(['callgate-did-confirm:v1', 'csn_7Qm2', 'cb_CA0123456789abcdef', '482916', 'n_k3J9xQ']);
  });

  it('refuses a field with a newline (two tuples must never sign the same bytes)', () => {
    // Without the check, {callBinding: "a\nb", did: "c"} and {callBinding: "a", did: "b\nc"} collide.
    expect(() => confirmMessage({ ...FIELDS, callBinding: 'a\nb' })).toThrow(TypeError);
    expect(() => confirmMessage({ ...FIELDS, nonce: 'n\n' })).toThrow(TypeError);
    expect(() => confirmMessage({ ...FIELDS, did: 123456 as unknown as string })).toThrow(TypeError);
  });
});

describe('verifyDeviceSignature', () => {
  it('accepts the known-answer vector made by another implementation', async () => {
    const key = await importDevicePublicKey(VECTOR.jwk);
    expect(key).not.toBeNull();
    expect(await verifyDeviceSignature(key!, CANONICAL, VECTOR.signature)).toBe(true);
    expect(await verifyDeviceSignature(key!, `${CANONICAL}\n`, VECTOR.signature)).toBe(false);
  });

  it('round trip: what signAsDevice makes verifies, and OpenSSL agrees', async () => {
    const d = await device();
    const msg = confirmMessage(FIELDS);
    const sig = await signAsDevice(d.privateKey, msg);
    expect(sig).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(await verifyDeviceSignature(d.publicKey, msg, sig)).toBe(true);
    const nodeKey = createPublicKey({ key: d.publicJwk, format: 'jwk' });
    expect(nodeVerify('sha256', Buffer.from(msg), { key: nodeKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'))).toBe(true);
  });

  it('refuses the signature when any one of the five lines changes', async () => {
    const d = await device();
    const sig = await signAsDevice(d.privateKey, confirmMessage(FIELDS));
    const lines = CANONICAL.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const changed = [...lines];
      changed[i] = `${changed[i]}x`;
      expect(await verifyDeviceSignature(d.publicKey, changed.join('\n'), sig), `line ${i}`).toBe(false);
    }
    for (const k of ['sessionId', 'callBinding', 'did', 'nonce'] as const) {
      const other = confirmMessage({ ...FIELDS, [k]: k === 'did' ? '482917' : `${FIELDS[k]}0` });
      expect(await verifyDeviceSignature(d.publicKey, other, sig), k).toBe(false);
    }
    expect(await verifyDeviceSignature(d.publicKey, CANONICAL.replace('v1', 'v2'), sig)).toBe(false);
  });

  it('refuses another device’s signature', async () => {
    const a = await device();
    const b = await device();
    const sig = await signAsDevice(b.privateKey, CANONICAL);
    expect(await verifyDeviceSignature(a.publicKey, CANONICAL, sig)).toBe(false);
  });

  it('refuses a DER-encoded signature over the right message', async () => {
    const d = await device();
    const der = nodeSign('sha256', Buffer.from(CANONICAL), {
      key: createPrivateKey({ key: d.privateJwk, format: 'jwk' }),
      dsaEncoding: 'der',
    });
    expect(der[0]).toBe(0x30);
    expect(await verifyDeviceSignature(d.publicKey, CANONICAL, der.toString('base64url'))).toBe(false);
    // …while the same key's P1363 form is fine.
    const p1363 = nodeSign('sha256', Buffer.from(CANONICAL), { key: createPrivateKey({ key: d.privateJwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' });
    expect(await verifyDeviceSignature(d.publicKey, CANONICAL, p1363.toString('base64url'))).toBe(true);
  });

  it('refuses truncated, extended, non-base64url, non-canonical and empty signatures without throwing', async () => {
    const d = await device();
    const sig = await signAsDevice(d.privateKey, CANONICAL);
    const bytes = fromBase64Url(sig)!;
    const bad = [
      '',
      sig.slice(0, -1),
      sig.slice(0, 43),
      toBase64Url(bytes.slice(0, 63)),
      toBase64Url(new Uint8Array([...bytes, 0])),
      `${sig}A`,
      sig.replace(/-/g, '+').replace(/_/g, '/').replace(/^[A-Za-z0-9]/, '+'), // standard base64 alphabet
      `${sig.slice(0, 10)}!${sig.slice(11)}`,
      `${sig.slice(0, 10)} ${sig.slice(11)}`,
      `${sig}=`,
      `${sig}===`,
      // Same 64 bytes, non-zero trailing bits in the last character: not the canonical encoding.
      sig.slice(0, -1) + B64URL[B64URL.indexOf(sig[85]!) ^ 1],
      toBase64Url(new Uint8Array(64)), // r = s = 0
      'A'.repeat(100_000),
    ];
    for (const s of bad) expect(await verifyDeviceSignature(d.publicKey, CANONICAL, s), JSON.stringify(s.slice(0, 20))).toBe(false);
    for (const s of [null, undefined, 42, {}, bytes]) expect(await verifyDeviceSignature(d.publicKey, CANONICAL, s as unknown as string)).toBe(false);
    expect(await verifyDeviceSignature(d.publicKey, undefined as unknown as string, sig)).toBe(false);
  });

  it('accepts the padded base64url form of a good signature', async () => {
    const d = await device();
    const sig = await signAsDevice(d.privateKey, CANONICAL);
    expect(await verifyDeviceSignature(d.publicKey, CANONICAL, `${sig}==`)).toBe(true);
  });

  it('never throws on the wrong kind of key', async () => {
    const d = await device();
    const sig = await signAsDevice(d.privateKey, CANONICAL);
    const hmac = await crypto.subtle.importKey('raw', new Uint8Array(32), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    expect(await verifyDeviceSignature(d.privateKey, CANONICAL, sig)).toBe(false);
    expect(await verifyDeviceSignature(hmac, CANONICAL, sig)).toBe(false);
    expect(await verifyDeviceSignature(null as unknown as CryptoKey, CANONICAL, sig)).toBe(false);
  });

  it('accepts the high-S twin (s → n − s): phone keystores do not normalise s; the nonce stops replay', async () => {
    const d = await device();
    const bytes = fromBase64Url(await signAsDevice(d.privateKey, CANONICAL))!;
    const twin = new Uint8Array(64);
    twin.set(bytes.slice(0, 32));
    twin.set(fromBig(P256_N - toBig(bytes.slice(32))), 32);
    expect(await verifyDeviceSignature(d.publicKey, CANONICAL, toBase64Url(twin))).toBe(true);
    // s = n is out of range.
    const outOfRange = new Uint8Array(64);
    outOfRange.set(bytes.slice(0, 32));
    outOfRange.set(fromBig(P256_N), 32);
    expect(await verifyDeviceSignature(d.publicKey, CANONICAL, toBase64Url(outOfRange))).toBe(false);
  });
});

describe('signatureFormat', () => {
  it('tells P1363 from the DER that platform keystores (OpenSSL here) emit, over many signatures', async () => {
    const d = await device();
    const key = createPrivateKey({ key: d.privateJwk, format: 'jwk' });
    const lengths = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const message = Buffer.from(`${CANONICAL}${i}`);
      const der = nodeSign('sha256', message, { key, dsaEncoding: 'der' });
      const p1363 = nodeSign('sha256', message, { key, dsaEncoding: 'ieee-p1363' });
      lengths.add(der.length);
      expect(signatureFormat(der.toString('base64url')), der.toString('hex')).toBe('der');
      expect(signatureFormat(der.toString('base64url') + '='.repeat((3 - (der.length % 3)) % 3))).toBe('der');
      expect(signatureFormat(p1363.toString('base64url'))).toBe('p1363');
      expect(signatureFormat(`${p1363.toString('base64url')}==`)).toBe('p1363');
    }
    // Both the 33-byte (sign byte) and the 32-byte forms of r and s were seen.
    expect([...lengths].some((n) => n >= 71) && [...lengths].some((n) => n <= 70)).toBe(true);
  });

  it('anything else is other: truncated or extended DER, wrong sizes, garbage', async () => {
    const d = await device();
    const der = nodeSign('sha256', Buffer.from(CANONICAL), { key: createPrivateKey({ key: d.privateJwk, format: 'jwk' }), dsaEncoding: 'der' });
    const p1363 = fromBase64Url(await signAsDevice(d.privateKey, CANONICAL))!;
    const bad = [
      der.subarray(0, der.length - 1),
      Buffer.concat([der, Buffer.from([0])]),
      Buffer.from([0x31, ...der.subarray(1)]), // not a SEQUENCE
      Buffer.from([0x30, 6, 0x02, 1, 0x80, 0x02, 1, 1]), // negative r
      Buffer.from([0x30, 38, 0x02, 34, ...new Uint8Array(34), 0x02, 0]), // r too long, s empty
      p1363.subarray(0, 63),
      Buffer.concat([p1363, Buffer.from([0])]),
      new Uint8Array(72),
    ];
    for (const b of bad) expect(signatureFormat(toBase64Url(b)), Buffer.from(b).toString('hex')).toBe('other');
    for (const s of ['', 'not base64!', 'A'.repeat(100_000), null as unknown as string]) expect(signatureFormat(s)).toBe('other');
  });
});

describe('importDevicePublicKey', () => {
  it('imports an enrolled JWK and tolerates harmless extra members', async () => {
    const d = await device();
    expect(await importDevicePublicKey({ ...d.publicJwk, ext: true, key_ops: ['verify'], kid: 'phone-1' })).not.toBeNull();
  });

  it('refuses a private JWK, another curve or type, malformed coordinates and an off-curve point', async () => {
    const d = await device();
    const y = fromBase64Url(d.publicJwk.y)!;
    y[31] = y[31]! ^ 1;
    const bad: unknown[] = [
      d.privateJwk,
      { ...d.publicJwk, d: undefined },
      { ...d.publicJwk, crv: 'P-384' },
      { ...d.publicJwk, kty: 'RSA' },
      { ...d.publicJwk, x: d.publicJwk.x.slice(1) },
      { ...d.publicJwk, x: `${d.publicJwk.x}=` },
      { ...d.publicJwk, x: 42 },
      { ...d.publicJwk, y: toBase64Url(y) }, // well-formed, not on the curve
      { kty: 'EC', crv: 'P-256', x: toBase64Url(new Uint8Array(32)), y: toBase64Url(new Uint8Array(32)) },
      null,
      'jwk',
      [d.publicJwk],
    ];
    for (const jwk of bad) expect(await importDevicePublicKey(jwk), JSON.stringify(jwk)).toBeNull();
  });

  it('imports once per point, then serves the cache; the cache is bounded', async () => {
    const first = await generateDeviceKeyPair();
    const a = await importDevicePublicKey(first.publicJwk);
    expect(await importDevicePublicKey({ ...first.publicJwk })).toBe(a);
    for (let i = 0; i < DEVICE_KEY_CACHE_LIMIT; i++) await importDevicePublicKey((await generateDeviceKeyPair()).publicJwk);
    const again = await importDevicePublicKey(first.publicJwk);
    expect(again).not.toBe(a); // evicted, re-imported
    expect(again).not.toBeNull();
  });

  it('a failed import is not cached', async () => {
    const d = await device();
    const y = fromBase64Url(d.publicJwk.y)!;
    y[0] = y[0]! ^ 0x80;
    const offCurve = { ...d.publicJwk, y: toBase64Url(y) };
    expect(await importDevicePublicKey(offCurve)).toBeNull();
    expect(await importDevicePublicKey(offCurve)).toBeNull();
  });
});

describe('generateDeviceKeyPair / importDevicePrivateKey', () => {
  it('returns a public JWK of exactly {kty, crv, x, y} and a private JWK with d', async () => {
    const { publicJwk, privateJwk } = await generateDeviceKeyPair();
    expect(Object.keys(publicJwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(parseDevicePublicJwk(publicJwk)).toEqual(publicJwk);
    expect(privateJwk).toMatchObject({ ...publicJwk, d: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
  });

  it('refuses a public JWK or garbage as a private key', async () => {
    const { publicJwk } = await generateDeviceKeyPair();
    await expect(importDevicePrivateKey(publicJwk)).rejects.toThrow(TypeError);
    await expect(importDevicePrivateKey(null)).rejects.toThrow(TypeError);
    await expect(importDevicePrivateKey({ ...publicJwk, d: 'short' })).rejects.toThrow(TypeError);
  });
});
