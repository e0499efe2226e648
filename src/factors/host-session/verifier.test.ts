import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createHostSessionVerifier, mintHostSessionToken } from './verifier.js';

const SECRET = 'host-session-secret-0123456789abcdef0123';
const NOW = Date.parse('2030-01-01T00:00:00.000Z');
const NOW_S = NOW / 1000;
const clock = { now: () => NOW };
const verifier = createHostSessionVerifier(SECRET, clock);
const key = new TextEncoder().encode(SECRET);

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Signs arbitrary claims with HS256 and the right key (for claim-level tests). */
const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', ...header }).sign(key);

describe('host session verifier', () => {
  it('valid token → the customer id and expiry (ms)', async () => {
    const token = await mintHostSessionToken(SECRET, { sub: 'cust_42', ttlSeconds: 300, now: NOW });
    expect(await verifier.verify(token)).toEqual({ status: 'valid', customerId: 'cust_42', expiresAt: NOW + 300_000 });
  });

  it('tolerates surrounding whitespace', async () => {
    const token = await mintHostSessionToken(SECRET, { sub: 'cust_42', ttlSeconds: 300, now: NOW });
    expect(await verifier.verify(` ${token}\n`)).toMatchObject({ status: 'valid' });
  });

  it('absent: undefined, null, empty, blank', async () => {
    for (const t of [undefined, null, '', '   ']) expect(await verifier.verify(t)).toEqual({ status: 'absent' });
  });

  it('expired, with a 30 s tolerance', async () => {
    const token = await mintHostSessionToken(SECRET, { sub: 'cust_42', ttlSeconds: 60, now: NOW - 120_000 }); // exp = NOW - 60 s
    expect(await verifier.verify(token)).toEqual({ status: 'invalid', reason: 'expired' });
    const justExpired = await sign({ sub: 'cust_42', exp: NOW_S - 20 });
    expect(await verifier.verify(justExpired)).toMatchObject({ status: 'valid' });
    const pastTolerance = await sign({ sub: 'cust_42', exp: NOW_S - 30 });
    expect(await verifier.verify(pastTolerance)).toEqual({ status: 'invalid', reason: 'expired' });
  });

  it('not yet valid (nbf in the future beyond the tolerance)', async () => {
    const future = await sign({ sub: 'cust_42', nbf: NOW_S + 120, exp: NOW_S + 600 });
    expect(await verifier.verify(future)).toEqual({ status: 'invalid', reason: 'not_yet_valid' });
    const slightSkew = await sign({ sub: 'cust_42', nbf: NOW_S + 20, exp: NOW_S + 600 });
    expect(await verifier.verify(slightSkew)).toMatchObject({ status: 'valid' });
  });

  it('wrong key → bad_signature', async () => {
    const token = await mintHostSessionToken('another-secret-0123456789abcdef', { sub: 'cust_42', ttlSeconds: 300, now: NOW });
    expect(await verifier.verify(token)).toEqual({ status: 'invalid', reason: 'bad_signature' });
  });

  it('an expired token under the wrong key is bad_signature, not expired (no oracle without the key)', async () => {
    const token = await mintHostSessionToken('another-secret-0123456789abcdef', { sub: 'cust_42', ttlSeconds: 60, now: NOW - 3_600_000 });
    expect(await verifier.verify(token)).toEqual({ status: 'invalid', reason: 'bad_signature' });
  });

  it('a tampered payload (another customer) → bad_signature', async () => {
    const token = await mintHostSessionToken(SECRET, { sub: 'cust_42', ttlSeconds: 300, now: NOW });
    const [h, , s] = token.split('.');
    const forged = `${h}.${b64url({ sub: 'cust_1', exp: NOW_S + 300 })}.${s}`;
    expect(await verifier.verify(forged)).toEqual({ status: 'invalid', reason: 'bad_signature' });
  });

  it('alg none → wrong_algorithm', async () => {
    const unsecured = new UnsecuredJWT({ sub: 'cust_42' }).setExpirationTime(NOW_S + 300).encode();
    expect(await verifier.verify(unsecured)).toEqual({ status: 'invalid', reason: 'wrong_algorithm' });
    // hand-made, with a signature part attached too
    const handmade = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'cust_42', exp: NOW_S + 300 })}.${b64url('x')}`;
    expect(await verifier.verify(handmade)).toEqual({ status: 'invalid', reason: 'wrong_algorithm' });
    const upper = `${b64url({ alg: 'None' })}.${b64url({ sub: 'cust_42', exp: NOW_S + 300 })}.`;
    expect(await verifier.verify(upper)).toEqual({ status: 'invalid', reason: 'wrong_algorithm' });
  });

  it('RS256 (a real one, and one forged with the HMAC secret) → wrong_algorithm', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const rs = await new SignJWT({ sub: 'cust_42' }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime(NOW_S + 300).sign(privateKey);
    expect(await verifier.verify(rs)).toEqual({ status: 'invalid', reason: 'wrong_algorithm' });
    // Algorithm confusion: header says RS256, MAC made with the shared secret.
    const { createHmac } = await import('node:crypto');
    const input = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({ sub: 'cust_42', exp: NOW_S + 300 })}`;
    const confused = `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
    expect(await verifier.verify(confused)).toEqual({ status: 'invalid', reason: 'wrong_algorithm' });
  });

  it.each(['HS384', 'HS512', 'ES256', 'PS256', 'EdDSA'])('%s → wrong_algorithm', async (alg) => {
    const token = `${b64url({ alg })}.${b64url({ sub: 'cust_42', exp: NOW_S + 300 })}.${b64url('sig')}`;
    expect(await verifier.verify(token)).toEqual({ status: 'invalid', reason: 'wrong_algorithm' });
  });

  it('missing, empty or non-string sub → missing_subject', async () => {
    for (const claims of [{}, { sub: '' }, { sub: '  ' }, { sub: 42 }, { sub: null }]) {
      const token = await sign({ ...claims, exp: NOW_S + 300 });
      expect(await verifier.verify(token)).toEqual({ status: 'invalid', reason: 'missing_subject' });
    }
  });

  it('missing or non-numeric exp → malformed', async () => {
    expect(await verifier.verify(await sign({ sub: 'cust_42' }))).toEqual({ status: 'invalid', reason: 'malformed' });
    expect(await verifier.verify(await sign({ sub: 'cust_42', exp: String(NOW_S + 300) }))).toEqual({ status: 'invalid', reason: 'malformed' });
  });

  it('garbage → malformed, never a throw', async () => {
    const valid = await mintHostSessionToken(SECRET, { sub: 'cust_42', ttlSeconds: 300, now: NOW });
    const garbage = [
      'not-a-token',
      'a.b',
      'a.b.c.d',
      '...',
      '{{host_session_token}}',
      'eyJ.eyJ.sig',
      `${b64url('not json')}.${b64url({ sub: 'x' })}.sig`,
      `${b64url([1, 2])}.${b64url({ sub: 'x' })}.sig`,
      `${valid.split('.')[0]}.${b64url('not json')}.${valid.split('.')[2]}`,
      `${valid}=`,
      valid.replace(/\./g, ' '),
      'x'.repeat(10_000),
      `${b64url({ alg: 'HS256', crit: ['exp'], exp: 1 })}.${b64url({ sub: 'x', exp: NOW_S + 300 })}.sig`,
    ];
    for (const t of garbage) expect(await verifier.verify(t)).toMatchObject({ status: 'invalid' });
    for (const t of garbage.slice(0, 4)) expect(await verifier.verify(t)).toEqual({ status: 'invalid', reason: 'malformed' });
    // not even a string (a sloppy caller)
    for (const t of [42, {}, []]) expect(await verifier.verify(t as unknown as string)).toEqual({ status: 'invalid', reason: 'malformed' });
  });

  it('unencoded payload (b64: false), correctly MACed → malformed', async () => {
    const { createHmac } = await import('node:crypto');
    const input = `${b64url({ alg: 'HS256', b64: false, crit: ['b64'] })}.abc`;
    const token = `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
    expect(await verifier.verify(token)).toEqual({ status: 'invalid', reason: 'malformed' });
  });

  it('not configured: a token present is invalid/not_configured, no token is absent', async () => {
    const token = await mintHostSessionToken(SECRET, { sub: 'cust_42', ttlSeconds: 300, now: NOW });
    for (const secret of [undefined, '']) {
      const off = createHostSessionVerifier(secret, clock);
      expect(await off.verify(token)).toEqual({ status: 'invalid', reason: 'not_configured' });
      expect(await off.verify('')).toEqual({ status: 'absent' });
      expect(await off.verify(undefined)).toEqual({ status: 'absent' });
    }
  });

  it('the clock is the injected one', async () => {
    const token = await mintHostSessionToken(SECRET, { sub: 'cust_42', ttlSeconds: 300, now: NOW });
    let t = NOW;
    const v = createHostSessionVerifier(SECRET, { now: () => t });
    expect(await v.verify(token)).toMatchObject({ status: 'valid' });
    t = NOW + 329_000;
    expect(await v.verify(token)).toMatchObject({ status: 'valid' });
    t = NOW + 330_000;
    expect(await v.verify(token)).toEqual({ status: 'invalid', reason: 'expired' });
  });

  describe('optional iss / aud', () => {
    const v = createHostSessionVerifier(SECRET, clock, { issuer: 'https://bank.example', audience: 'callgate' });

    it('accepted when they match', async () => {
      const token = await mintHostSessionToken(SECRET, { sub: 'cust_42', ttlSeconds: 300, now: NOW, iss: 'https://bank.example', aud: 'callgate' });
      expect(await v.verify(token)).toMatchObject({ status: 'valid', customerId: 'cust_42' });
    });

    it('wrong or missing issuer / audience', async () => {
      const wrongIss = await mintHostSessionToken(SECRET, { sub: 'c', ttlSeconds: 300, now: NOW, iss: 'https://evil.example', aud: 'callgate' });
      expect(await v.verify(wrongIss)).toEqual({ status: 'invalid', reason: 'wrong_issuer' });
      const wrongAud = await mintHostSessionToken(SECRET, { sub: 'c', ttlSeconds: 300, now: NOW, iss: 'https://bank.example', aud: 'other' });
      expect(await v.verify(wrongAud)).toEqual({ status: 'invalid', reason: 'wrong_audience' });
      const none = await mintHostSessionToken(SECRET, { sub: 'c', ttlSeconds: 300, now: NOW });
      expect(await v.verify(none)).toMatchObject({ status: 'invalid' });
    });

    it('not checked when not configured', async () => {
      const token = await mintHostSessionToken(SECRET, { sub: 'cust_42', ttlSeconds: 300, now: NOW, iss: 'anyone', aud: 'anything' });
      expect(await verifier.verify(token)).toMatchObject({ status: 'valid' });
    });
  });

  it('a token minted with plain WebCrypto (the docs example) verifies', async () => {
    // Mirrors docs/host-session.md "Plain WebCrypto".
    const mint = async (secret: string, customerId: string, ttlSeconds: number, nowSeconds: number) => {
      const enc = new TextEncoder();
      const b64u = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const header = b64u(enc.encode(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));
      const payload = b64u(enc.encode(JSON.stringify({ sub: customerId, iat: nowSeconds, exp: nowSeconds + ttlSeconds })));
      const k = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      const sig = new Uint8Array(await crypto.subtle.sign('HMAC', k, enc.encode(`${header}.${payload}`)));
      return `${header}.${payload}.${b64u(sig)}`;
    };
    const token = await mint(SECRET, 'cust_ü_42', 300, NOW_S);
    expect(await verifier.verify(token)).toEqual({ status: 'valid', customerId: 'cust_ü_42', expiresAt: NOW + 300_000 });
  });
});

describe('mintHostSessionToken', () => {
  it('HS256, typ JWT, sub/iat/exp', async () => {
    const token = await mintHostSessionToken(SECRET, { sub: 'cust_42', ttlSeconds: 120, now: NOW + 999 });
    const [h, p] = token.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(p!, 'base64url').toString())).toEqual({ sub: 'cust_42', iat: NOW_S, exp: NOW_S + 120 });
  });

  it('refuses nonsense', async () => {
    await expect(mintHostSessionToken('', { sub: 'c', ttlSeconds: 60, now: NOW })).rejects.toThrow();
    await expect(mintHostSessionToken(SECRET, { sub: '', ttlSeconds: 60, now: NOW })).rejects.toThrow();
    await expect(mintHostSessionToken(SECRET, { sub: 'c', ttlSeconds: 0, now: NOW })).rejects.toThrow();
  });
});
