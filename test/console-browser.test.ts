// The operator console in a real Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// against a real server on a socket and a real SQLite file: sign in, watch a call change state
// while it runs through the tool API, issue a DID on a handed-off call and see it confirmed by a
// phone-app key, read the charts, test a policy scenario. With CALLGATE_CONSOLE_SCREENSHOTS=<dir>
// it also saves the PNGs docs/console.md shows.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmMessage, generateDeviceKeyPair, importDevicePrivateKey, signAsDevice } from '../src/crypto/device-signature.js';
import { silentLogger } from '../src/kernel/ports.js';
import { startServer, type RunningServer } from '../src/runtime/node/server.js';
import { ADA } from './helpers/app.js';
import { serverClient } from './helpers/server-client.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`console browser tests skipped: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it)`);
const shots = process.env.CALLGATE_CONSOLE_SCREENSHOTS ? resolve(process.env.CALLGATE_CONSOLE_SCREENSHOTS) : undefined;

// Each step waits for the pages' own refresh (every 1.5–2 s): generous timeouts for a busy machine.
describe.skipIf(!hasChromium)(`the console in Chromium (${CHROMIUM})`, { timeout: 90_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'callgate-console-'));
  let server: RunningServer;
  let api: ReturnType<typeof serverClient>;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startServer({
      env: { CALLGATE_DB: join(dir, 'callgate.sqlite'), PORT: '0', HOST: '127.0.0.1', CALLGATE_POLICY_DIR: 'policies' },
      print: () => {},
      logger: silentLogger,
    });
    api = serverClient(server.url, dir);
    expect((await api.admin('POST', '/customers', ADA)).status).toBe(201);
    // Running as root (CI, containers) Chromium needs --no-sandbox.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    // A CSP violation, a script error or a missing asset shows up here: the test fails on any (the
    // 401 of the wrong sign-in below is the one expected).
    page.on('console', (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && pageErrors.push(m.text()));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    if (shots) mkdirSync(shots, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const shot = async (name: string, fullPage = false) => {
    if (shots) await page.screenshot({ path: join(shots, `${name}.png`), fullPage });
  };
  // The pages refresh every 1.5–2 s: wait for that, not for the default second.
  const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 30_000, interval: 100 });
  const row = (id: string) => page.locator(`tr[data-call-id="${id}"]`);

  it('signs in with the admin token (a wrong one gets the form again)', async () => {
    await page.goto(`${server.url}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await page.fill('#token', 'not-the-token');
    await page.click('#sign-in button');
    await poll(() => page.locator('#error').textContent()).toContain('not the admin token');
    await shot('sign-in');
    await page.fill('#token', api.secrets.CALLGATE_ADMIN_TOKEN!);
    await page.click('#sign-in button');
    await page.waitForURL(`${server.url}/console/calls`);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'callgate_console')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    expect(await page.evaluate(() => document.cookie)).toBe(''); // HttpOnly: no script reads it
  });

  it('shows a live call change state as it runs through identify → otp_send → otp_verify', async () => {
    await page.goto(`${server.url}/console/calls`);
    await api.ring('BR1', '+14155550142');
    // No reload: the page's refresh brings the new call in.
    await row('BR1').waitFor();
    await poll(() => row('BR1').locator('[data-waiting]').textContent()).toContain('identify');
    expect((await api.tool('BR1', 'identify', { account_ref: ADA.account_refs[0] })).body.success).toBe(true);
    await poll(() => row('BR1').locator('td.mono').nth(1).textContent()).toBe('cust_ada');
    expect((await api.tool('BR1', 'otp_send', { channel: 'sms' })).body.success).toBe(true);
    await poll(() => row('BR1').locator('[data-waiting]').textContent()).toContain('otp_verify');
    await shot('calls-live');
    const outbox = await api.admin('GET', '/outbox');
    const code = (outbox.body.messages as { call_id: string; code: string }[]).find((m) => m.call_id === 'BR1')!.code;
    expect((await api.tool('BR1', 'otp_verify', { code })).body.privileged_allowed).toBe(true);
    await poll(() => row('BR1').locator('[data-status]').getAttribute('data-status')).toBe('authenticated');
    expect(await row('BR1').locator('[data-factors]').getAttribute('data-factors')).toBe('otp');
    expect(await page.content()).not.toContain(code);
  });

  it('issues a DID on a handed-off call and shows the caller verified once the device confirms', async () => {
    const { publicJwk, privateJwk } = await generateDeviceKeyPair();
    expect((await api.admin('POST', '/customers/cust_ada/devices', { device_id: 'ada-phone', public_key_jwk: publicJwk })).status).toBe(201);
    const key = await importDevicePrivateKey(privateJwk);
    await api.ring('BR2', '+14155550142');
    await api.tool('BR2', 'identify', { account_ref: ADA.account_refs[0] });
    await api.tool('BR2', 'handoff');

    await page.goto(`${server.url}/console/calls`);
    await row('BR2').locator('a').click();
    await page.waitForURL(`${server.url}/console/calls/BR2`);
    await page.click('#did-issue button');
    const did = (await page.locator('#did-digits').textContent())!;
    expect(did).toMatch(/^\d{6}$/);
    await shot('did-pending');

    // The caller types the number in their phone app: challenge, sign with the device key, confirm.
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return (await res.json()) as Record<string, string>;
    };
    const ch = await post('/app/challenge', { device_id: 'ada-phone', did });
    const signature = await signAsDevice(key, confirmMessage({ sessionId: ch.session_id!, callBinding: ch.call_binding!, did, nonce: ch.nonce! }));
    expect(await post('/app/confirm', { session_id: ch.session_id, device_id: 'ada-phone', nonce: ch.nonce, signature })).toEqual({ success: true, status: 'confirmed' });

    // No reload: the panel turns to verified by itself.
    await page.locator('#did-verified').waitFor();
    expect(await page.locator('#did-verified').textContent()).toContain('Caller verified by device ada-phone');
    expect(await page.locator('#did-digits').count()).toBe(0);
    expect(await page.locator('[data-status]').first().getAttribute('data-status')).toBe('handed_off');
    await shot('did-verified');
    const status = await api.tool('BR2', 'status');
    expect(status.body).toMatchObject({ privileged_allowed: false, auth_state: { status: 'handed_off' } });
  });

  it('draws the charts as SVG', async () => {
    await page.goto(`${server.url}/console/metrics`);
    expect(await page.locator('figure.chart svg').count()).toBe(6);
    expect(await page.locator('#chart-time-to-verify rect.value').count()).toBe(13);
    const verified = await page.locator('#chart-time-to-verify rect.value').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    expect(verified.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await page.locator('[data-metric="calls"]').textContent()).toBe('2');
    await shot('metrics', true);
    await page.click('text=last 24 hours');
    await page.waitForURL(/window=day/);
    expect(await page.locator('#chart-calls rect').count()).toBe(24);
  });

  it('tests a policy scenario from the form', async () => {
    await page.goto(`${server.url}/console/policies`);
    expect(await page.locator('#in-force tr[data-policy="default"] td').nth(2).textContent()).toBe('default.yaml');
    await page.check('input[name="signal"][value="watch_list"]');
    await page.check('input[name="factor"][value="otp"]');
    await page.click('#scenario button');
    await page.locator('#decision').waitFor();
    expect(await page.locator('#decision').getAttribute('data-outcome')).toBe('handoff');
    expect(await page.locator('#reasons').textContent()).toContain('tier high: watch_list');
    await shot('policies', true);
  });

  it('signs out, and the pages are closed again', async () => {
    await page.click('.sign-out button');
    await page.waitForURL(/\/console\/sign-in/);
    await page.goto(`${server.url}/console/calls`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    expect(pageErrors).toEqual([]);
  });
});
