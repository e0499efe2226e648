import { describe, expect, it, vi } from 'vitest';
import { hmacHex, importHmacKey } from './hmac.js';
import { CALLGATE_SCHEME, parseSignatureHeader, signBody, verifyBody } from './signature.js';

const SECRET = 'whsec_test_0123456789abcdef0123456789';
const BODY = '{"call_id":"CA1","risk":"clear","note":"ünïcode ✓"}';
const T = 1_700_000_000;

describe('signBody', () => {
  it('produces t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>', async () => {
    const header = await signBody(SECRET, BODY, T);
    const expected = await hmacHex(await importHmacKey(SECRET), `${T}.${BODY}`);
    expect(header).toBe(`t=${T},v1=${expected}`);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('matches an independent computation (node:crypto)', async () => {
    const { createHmac } = await import('node:crypto');
    const mac = createHmac('sha256', SECRET).update(`${T}.${BODY}`, 'utf8').digest('hex');
    expect(await signBody(SECRET, BODY, T)).toBe(`t=${T},v1=${mac}`);
  });

  it('signs with each secret during a rotation', async () => {
    const header = await signBody(['old-secret', 'new-secret'], BODY, T);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
  });

  it('refuses a non-integer or negative timestamp (a caller bug)', async () => {
    await expect(signBody(SECRET, BODY, 1.5)).rejects.toThrow(RangeError);
    await expect(signBody(SECRET, BODY, -1)).rejects.toThrow(RangeError);
  });
});

describe('verifyBody', () => {
  it('round trip', async () => {
    const header = await signBody(SECRET, BODY, T);
    expect(await verifyBody(SECRET, header, BODY, T)).toEqual({ ok: true, t: T });
    expect(await verifyBody(SECRET, header, BODY, T + 300)).toEqual({ ok: true, t: T });
    expect(await verifyBody(SECRET, header, BODY, T - 300)).toEqual({ ok: true, t: T });
  });

  it('tampered body', async () => {
    const header = await signBody(SECRET, BODY, T);
    expect(await verifyBody(SECRET, header, BODY.replace('clear', 'high'), T)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(await verifyBody(SECRET, header, `${BODY} `, T)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('tampered timestamp', async () => {
    const header = await signBody(SECRET, BODY, T);
    expect(await verifyBody(SECRET, header.replace(`t=${T}`, `t=${T + 1}`), BODY, T)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('stale beyond tolerance', async () => {
    const header = await signBody(SECRET, BODY, T);
    expect(await verifyBody(SECRET, header, BODY, T + 301)).toEqual({ ok: false, reason: 'stale_signature' });
    expect(await verifyBody(SECRET, header, BODY, T + 61, { ...CALLGATE_SCHEME, maxAgeSeconds: 60, maxSkewSeconds: 60 })).toEqual({ ok: false, reason: 'stale_signature' });
  });

  it('future-dated beyond tolerance', async () => {
    const header = await signBody(SECRET, BODY, T + 301);
    expect(await verifyBody(SECRET, header, BODY, T)).toEqual({ ok: false, reason: 'stale_signature' });
  });

  it('a forged old header is bad, not stale (stale only for genuine bodies)', async () => {
    const header = await signBody('another', BODY, T - 10_000);
    expect(await verifyBody(SECRET, header, BODY, T)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('missing header', async () => {
    for (const h of [undefined, null, '', '   ']) {
      expect(await verifyBody(SECRET, h, BODY, T)).toEqual({ ok: false, reason: 'missing_signature' });
    }
  });

  it('malformed headers', async () => {
    const mac = 'a'.repeat(64);
    for (const h of [
      'garbage',
      `v1=${mac}`, // no t
      `t=${T}`, // no v1
      `t=abc,v1=${mac}`,
      `t=-5,v1=${mac}`,
      `t=${T},t=${T},v1=${mac}`,
      `t=${T},v1=xyz`,
      `t=${T},v1=${mac.slice(1)}`,
      `t=${T},v1=${mac},=oops`,
      `t=${T},${Array.from({ length: 20 }, () => `v1=${mac}`).join(',')}`,
    ]) {
      expect(await verifyBody(SECRET, h, BODY, T), h).toEqual({ ok: false, reason: 'malformed_signature' });
    }
  });

  it('tolerates spaces and unknown future schemes', async () => {
    const header = await signBody(SECRET, BODY, T);
    const spaced = header.replace(',', ' , ') + ',v2=whatever';
    expect(await verifyBody(SECRET, spaced, BODY, T)).toEqual({ ok: true, t: T });
    expect(parseSignatureHeader(spaced)?.macs).toHaveLength(1);
  });

  it('wrong secret', async () => {
    const header = await signBody('not-the-secret', BODY, T);
    expect(await verifyBody(SECRET, header, BODY, T)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rotated keys: any v1 entry may match, and the receiver may hold several secrets', async () => {
    const both = await signBody(['old-secret', 'new-secret'], BODY, T);
    expect(await verifyBody('new-secret', both, BODY, T)).toEqual({ ok: true, t: T });
    expect(await verifyBody('old-secret', both, BODY, T)).toEqual({ ok: true, t: T });
    expect(await verifyBody('third', both, BODY, T)).toEqual({ ok: false, reason: 'bad_signature' });

    const oldOnly = await signBody('old-secret', BODY, T);
    expect(await verifyBody(['new-secret', 'old-secret'], oldOnly, BODY, T)).toEqual({ ok: true, t: T });
    // Order of entries does not matter.
    const [t, a, b] = both.split(',');
    expect(await verifyBody('old-secret', [t, b, a].join(','), BODY, T)).toEqual({ ok: true, t: T });
  });

  it('imports each secret once', async () => {
    const spy = vi.spyOn(crypto.subtle, 'importKey');
    const secret = `cache-test-${Math.random()}`;
    const header = await signBody(secret, BODY, T);
    for (let i = 0; i < 5; i++) await verifyBody(secret, header, BODY, T);
    await Promise.all([signBody(secret, 'x', T), signBody(secret, 'y', T)]);
    expect(spy.mock.calls.length).toBe(1);
    spy.mockRestore();
  });
});
