import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consoleClient, csrfOf } from '../../test/helpers/console-client.js';
import { enrolAda, enrolDevice, makeTestApp, ring, SECRETS, type TestApp } from '../../test/helpers/app.js';
import { SESSION_IDLE_MS, SESSION_MAX_MS } from './session.js';

let t: TestApp;
let c: ReturnType<typeof consoleClient>;
beforeEach(async () => {
  t = await makeTestApp();
  c = consoleClient((path, init) => t.app.request(path, init));
});
afterEach(() => t.close());

describe('console sign-in', () => {
  it('sends a visitor without a session to the sign-in form; a refresh gets 401', async () => {
    const page = await c.get('/console/calls');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/console/sign-in');
    expect((await c.get('/console/fragments/calls')).status).toBe(401);
    const form = await c.get('/console/sign-in');
    expect(form.status).toBe(200);
    expect(form.text).toContain('<form method="post" action="/console/sign-in"');
  });

  it('answers a wrong token with the form again (401), and neither the page nor a log line holds what was typed', async () => {
    const typed = 'wrong-but-secret-looking-token-9f8e7d';
    const res = await c.signIn(typed);
    expect(res.status).toBe(401);
    expect(res.text).toContain('That is not the admin token.');
    expect(res.headers.get('set-cookie')).toBeNull();
    // A near miss (the real token plus a character, a prefix) is refused the same way.
    expect((await c.signIn(`${SECRETS.admin}x`)).status).toBe(401);
    expect((await c.signIn(SECRETS.admin.slice(0, -1))).status).toBe(401);
    expect((await c.post('/console/sign-in', {})).status).toBe(400);
    const logs = t.logs.join('\n');
    expect(logs).toContain('console_sign_in_failed');
    for (const secret of [typed, SECRETS.admin.slice(0, -1)]) {
      expect(logs).not.toContain(secret);
      expect(res.text).not.toContain(secret);
    }
  });

  it('signs in with the admin token: an HttpOnly, SameSite=Strict cookie that holds no token', async () => {
    const res = await c.signIn(SECRETS.admin);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/calls');
    const set = res.headers.get('set-cookie')!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\/console/);
    expect(set).not.toMatch(/Secure/); // plain http here (a browser would refuse a Secure cookie)
    expect(set).not.toContain(SECRETS.admin);
    expect(c.cookie()).toMatch(/^v1\.[A-Za-z0-9_-]{22}\.\d+\.\d+\.[A-Za-z0-9_-]{43}$/);
    const page = await c.get('/console/calls');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(SECRETS.admin);
    expect(page.text).not.toContain(c.cookie()!);
    expect(t.logs.join('\n')).not.toContain(SECRETS.admin);
  });

  it('marks the cookie Secure behind https (the request itself or a TLS-terminating proxy)', async () => {
    const direct = consoleClient((path, init) => t.app.request(`https://console.example.com${path}`, init), 'https://console.example.com');
    expect((await direct.signIn(SECRETS.admin)).headers.get('set-cookie')).toMatch(/Secure/);
    const proxied = await c.post('/console/sign-in', { token: SECRETS.admin }, { 'x-forwarded-proto': 'https', origin: 'https://localhost' });
    expect(proxied.status).toBe(303);
    expect(proxied.headers.get('set-cookie')).toMatch(/Secure/);
  });

  it('refuses a forged, altered or expired cookie', async () => {
    await c.signIn(SECRETS.admin);
    const good = c.cookie()!;
    const [v, sid, iat, exp, mac] = good.split('.');
    const tries = [
      `${v}.${sid}.${iat}.${Number(exp) + 3_600_000}.${mac}`, // a later expiry under the old MAC
      `${v}.${'A'.repeat(22)}.${iat}.${exp}.${mac}`,
      `${v}.${sid}.${iat}.${exp}.${'A'.repeat(43)}`,
      SECRETS.admin,
      'v1....',
    ];
    for (const forged of tries) {
      c.setCookie(forged);
      expect((await c.get('/console/calls')).status, forged).toBe(303);
    }
    c.setCookie(good);
    expect((await c.get('/console/calls')).status).toBe(200);
    t.clock.advance(SESSION_IDLE_MS + 1);
    expect((await c.get('/console/calls')).status).toBe(303);
  });

  it('keeps an active operator signed in up to the maximum age, not beyond', async () => {
    await c.signIn(SECRETS.admin);
    for (let at = 0; at < SESSION_MAX_MS - SESSION_IDLE_MS / 2; at += SESSION_IDLE_MS / 2 + 1000) {
      t.clock.advance(SESSION_IDLE_MS / 2 + 1000);
      expect((await c.get('/console/calls')).status).toBe(200);
    }
    t.clock.advance(SESSION_IDLE_MS / 2 + 1000);
    expect((await c.get('/console/calls')).status).toBe(303);
  });

  it('limits sign-in attempts per client address', async () => {
    for (let i = 0; i < 10; i++) expect((await c.signIn(`nope-${i}`)).status).toBe(401);
    expect((await c.signIn(SECRETS.admin)).status).toBe(429);
    t.clock.advance(61_000);
    expect((await c.signIn(SECRETS.admin)).status).toBe(303);
  });

  it('answers malformed posts with a 4xx, never a 5xx', async () => {
    const bodies: [string, string][] = [
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="token"\r\n\r\n'],
      ['multipart/form-data', 'garbage'],
      ['application/x-www-form-urlencoded', '%%%token=%E0%A4%A'],
      ['application/json', '{"token":'],
      ['text/plain', 'token=x'],
    ];
    const cookie = (await c.signIn(SECRETS.admin), c.cookie()!);
    for (const path of ['/console/sign-in', '/console/sign-out', '/console/calls/x/did']) {
      for (const [type, body] of bodies) {
        const res = await t.app.request(path, { method: 'POST', headers: { 'content-type': type, origin: 'http://localhost', cookie: `callgate_console=${cookie}` }, body });
        expect(res.status, `${path} ${type}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${path} ${type}`).toBeLessThan(500);
      }
    }
    const long = await c.post('/console/sign-in', { token: 'x'.repeat(20_000) });
    expect(long.status).toBe(401);
  });

  it('signs out through a form carrying the CSRF token, and clears the cookie', async () => {
    await c.signIn(SECRETS.admin);
    const page = await c.get('/console/calls');
    expect((await c.post('/console/sign-out', {})).status).toBe(403);
    const out = await c.post('/console/sign-out', { _csrf: csrfOf(page.text) });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/console/sign-in?signed_out=1');
    expect(out.headers.get('set-cookie')).toMatch(/callgate_console=;.*Max-Age=0/);
    expect((await c.get('/console/calls')).status).toBe(303);
  });
});

describe('CSRF', () => {
  beforeEach(async () => {
    await enrolAda(t);
    await enrolDevice(t, 'cust_ada', 'ada-phone');
    await ring(t, 'CSRF1');
    await t.tool('CSRF1', 'handoff');
    await c.signIn(SECRETS.admin);
  });
  const didIssued = () => t.eventTypes('CSRF1').includes('operator_did_issued');

  it('refuses a post without the token, with another session\'s token, or from another origin', async () => {
    const token = csrfOf((await c.get('/console/calls/CSRF1')).text);
    const other = consoleClient((path, init) => t.app.request(path, init));
    await other.signIn(SECRETS.admin);
    const otherToken = csrfOf((await other.get('/console/calls')).text);

    expect((await c.post('/console/calls/CSRF1/did', {})).status).toBe(403);
    expect((await c.post('/console/calls/CSRF1/did', { _csrf: otherToken })).status).toBe(403);
    expect((await c.post('/console/calls/CSRF1/did', { _csrf: token }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await c.post('/console/calls/CSRF1/did', { _csrf: token }, { origin: 'null' })).status).toBe(403);
    const noOrigin = await t.app.request('/console/calls/CSRF1/did', {
      method: 'POST',
      headers: { cookie: `callgate_console=${c.cookie()}`, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
      body: `_csrf=${token}`,
    });
    expect(noOrigin.status).toBe(403);
    // A JSON body carries no form field: refused too.
    const json = await t.app.request('/console/calls/CSRF1/did', {
      method: 'POST',
      headers: { cookie: `callgate_console=${c.cookie()}`, 'content-type': 'application/json', origin: 'http://localhost' },
      body: JSON.stringify({ _csrf: token }),
    });
    expect(json.status).toBe(403);
    expect(didIssued()).toBe(false);

    // Cross-site sign-in posts are refused too (login CSRF).
    expect((await c.post('/console/sign-in', { token: SECRETS.admin }, { origin: 'https://evil.example' })).status).toBe(403);

    const ok = await c.post('/console/calls/CSRF1/did', { _csrf: token });
    expect(ok.status).toBe(303);
    expect(didIssued()).toBe(true);
  });

  it('refuses a post without a session (401), whatever token it carries', async () => {
    const token = csrfOf((await c.get('/console/calls/CSRF1')).text);
    c.setCookie(undefined);
    expect((await c.post('/console/calls/CSRF1/did', { _csrf: token })).status).toBe(401);
    expect(didIssued()).toBe(false);
  });
});
