import { generate } from 'otplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consoleClient, csrfOf } from '../../test/helpers/console-client.js';
import { ADA, enrolAda, enrolDevice, makeTestApp, passOtp, ring, SECRET_KEY, SECRETS, type TestApp } from '../../test/helpers/app.js';
import { normalizeAnswer } from '../factors/shared/normalize.js';
import { CSP } from './layout.js';

let t: TestApp;
let c: ReturnType<typeof consoleClient>;
beforeEach(async () => {
  t = await makeTestApp();
  c = consoleClient((path, init) => t.app.request(path, init));
  await c.signIn(SECRETS.admin);
});
afterEach(() => t.close());

const PAGES = ['/console/calls', '/console/fragments/calls', '/console/metrics', '/console/metrics?window=day', '/console/fragments/metrics?window=hour', '/console/policies'];

describe('console pages', () => {
  it('list live and closed calls with status, risk tier, policy, factors and what each waits on', async () => {
    await enrolAda(t);
    await ring(t, 'L1');
    await t.tool('L1', 'otp_send', { channel: 'sms' });
    await ring(t, 'L2', '+19995550000', { identify: false });
    await ring(t, 'L3');
    await passOtp(t, 'L3');
    await ring(t, 'L4');
    await t.tool('L4', 'handoff');
    const html = (await c.get('/console/fragments/calls')).text;
    const row = (id: string) => new RegExp(`<tr data-call-id="${id}">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';
    expect(row('L1')).toContain('data-status="pending"');
    expect(row('L1')).toContain('otp_verify: the caller reads the code');
    expect(row('L1')).toContain('default v');
    expect(row('L2')).toContain('identify: the caller names their account');
    expect(row('L3')).toContain('data-status="authenticated"');
    expect(row('L3')).toContain('data-factors="otp"');
    expect(row('L3')).toContain('nothing: privileged tools open');
    expect(row('L4')).toContain('data-status="handed_off"');
    expect(row('L4')).toMatch(/a human agent \(/);
    expect(html.indexOf('data-call-id="L4"')).toBeGreaterThan(html.indexOf('id="closed-calls"'));
    expect(html.indexOf('data-call-id="L1"')).toBeLessThan(html.indexOf('id="closed-calls"'));
  });

  it('shows a call\'s timeline, its policy decisions with reasons and its handoff packet', async () => {
    await enrolAda(t);
    await ring(t, 'T1');
    await t.tool('T1', 'otp_send', { channel: 'sms' });
    await t.tool('T1', 'otp_verify', { code: '000000' === t.lastCode() ? '111111' : '000000' });
    await t.tool('T1', 'handoff');
    const html = (await c.get('/console/calls/T1')).text;
    for (const type of ['call_created', 'identified', 'otp_sent', 'factor_failed', 'policy_decision', 'handoff']) expect(html).toContain(`<tr data-type="${type}">`);
    expect(html).toContain('<table id="decisions">');
    // The reasons the policy module gave, as `npm run policy -- explain` prints them.
    expect(html).toContain('tier low: no risk signal present');
    expect(html).toMatch(/0 of 1 required → step up/);
    expect(html).toContain('<section class="panel" id="handoff">');
    expect(html).toContain('Handoff (requested).');
    expect(html).toContain('data-did-status="none"');
    expect((await c.get('/console/calls/nope')).status).toBe(404);
  });

  it('draws every chart as inline SVG, with zero data too', async () => {
    for (const path of ['/console/metrics', '/console/metrics?window=day']) {
      const html = (await c.get(path)).text;
      for (const id of ['time-to-verify', 'containment', 'wrong-code-rate', 'wrong-did-rate', 'redirect-latency', 'calls']) {
        expect(html).toMatch(new RegExp(`<figure class="chart" id="chart-${id}">[\\s\\S]*?<svg [^>]*role="img"[\\s\\S]*?</svg>`));
      }
      expect(html).toContain('no call authenticated in this window');
      expect(html).not.toMatch(/NaN|Infinity|undefined/);
      expect(html).toContain('data-metric="containment">—<');
    }
    expect((await c.get('/console/metrics?window=week')).status).toBe(400);
  });

  it('tests a scenario against a policy in force and names a bad field', async () => {
    const list = (await c.get('/console/policies')).text;
    expect(list).toContain('<tr data-policy="default">');
    expect(list).toContain('any call (no applies_to)');
    const low = (await c.get('/console/policies?policy=default&factor=otp')).text;
    expect(low).toContain('data-outcome="allow"');
    const medium = (await c.get('/console/policies?policy=default&signal=caller_id_unverified&factor=otp')).text;
    expect(medium).toMatch(/data-outcome="(step_up|allow)"/);
    const high = (await c.get('/console/policies?policy=default&signal=watch_list&factor=otp&factor=did')).text;
    expect(high).toContain('data-outcome="handoff"');
    expect(high).toContain('high tier → hand off to');
    const bad = await c.get('/console/policies?policy=default&signal=%3Cscript%3E');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('signal: one of');
    expect(bad.text).not.toContain('<script>');
    expect((await c.get('/console/policies?policy=nope')).text).toContain('policy: no policy &quot;nope&quot; in force');
    expect((await c.get('/console/policies?policy=default&junk=1')).status).toBe(400);
  });
});

describe('what the console sends a browser', () => {
  it('a strict CSP on every page, no inline script, style or event handler', async () => {
    await enrolAda(t);
    await ring(t, 'CSP1');
    await t.tool('CSP1', 'handoff');
    for (const path of [...PAGES, '/console/calls/CSP1', '/console/sign-in']) {
      const res = await c.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy'), path).toBe(CSP);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.text).not.toMatch(/<script(?![^>]*\ssrc="\/console\/assets\/console\.js")/);
      expect(res.text).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
    }
    expect(CSP).not.toMatch(/unsafe|\*|http/);
    const js = await c.get('/console/assets/console.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await c.get('/console/assets/console.css')).headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('escapes whatever a call or an event holds', async () => {
    const evil = '<img src=x onerror=alert(1)>"\'&';
    await t.initiation({ call_sid: evil, caller_id: '+14155550142', agent_id: '<b>agent</b>', called_number: '+18005550100' });
    await t.services.events.append(evil, 'note', t.clock.now(), { text: '</td><script>alert(2)</script>', [evil]: evil });
    const list = (await c.get('/console/calls')).text;
    const page = await c.get(`/console/calls/${encodeURIComponent(evil)}`);
    expect(page.status).toBe(200);
    for (const html of [list, page.text]) {
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('<script>alert');
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;');
    }
    expect(page.text).toContain('&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(list).toContain(`href="/console/calls/${encodeURIComponent(evil).replaceAll("'", '&#39;')}"`);
  });

  it('no code, answer, seed, key, cookie or service secret on any page', async () => {
    const uri = await enrolAda(t);
    const seed = new URL(uri).searchParams.get('secret')!;
    const ada = await enrolDevice(t, 'cust_ada', 'ada-phone');
    await ring(t, 'S1');
    await t.tool('S1', 'otp_send', { channel: 'sms' });
    const code = t.lastCode()!;
    const wrong = code === '987654' ? '123456' : '987654';
    await t.tool('S1', 'otp_verify', { code: wrong });
    await t.tool('S1', 'otp_verify', { code });
    await t.tool('S1', 'kba_question', { level: 'advanced' });
    await t.tool('S1', 'kba_verify', { question_id: 'q_deposit', answer: ADA.kba[1]!.answer });
    const totp = await generate({ secret: seed, epoch: Math.floor(t.clock.now() / 1000) });
    await ring(t, 'S2');
    await t.tool('S2', 'otp_verify', { channel: 'app', code: totp });
    await t.tool('S2', 'handoff');
    const callPage = await c.get('/console/calls/S2');
    await c.post('/console/calls/S2/did', { _csrf: csrfOf(callPage.text) });
    const did = /id="did-digits"[^>]*>(\d{6})</.exec((await c.get('/console/calls/S2')).text)![1]!;
    const ch = await ada.challenge(did);
    await ada.confirm(did);

    const pages = await Promise.all([...PAGES, '/console/calls/S1', '/console/calls/S2', '/console/fragments/calls/S2', '/console/sign-in'].map((p) => c.get(p)));
    const text = pages.map((p) => p.text).join('\n');
    expect(text).toContain('Caller verified by device');
    const cookie = c.cookie()!;
    const needles = [SECRETS.admin, SECRETS.tool, SECRETS.ivr, SECRET_KEY, seed, ADA.kba[1]!.answer, normalizeAnswer(ADA.kba[1]!.answer), cookie, cookie.split('.')[4]!, ch.body.nonce, ch.body.call_binding];
    for (const n of needles) expect(text, n).not.toContain(n);
    // Codes are digits: only a standalone run of them would be the code itself.
    for (const n of [code, wrong, totp, did]) expect(text, n).not.toMatch(new RegExp(`(?<!\\d)${n}(?!\\d)`));
    expect(t.logs.join('\n')).not.toContain(SECRETS.admin);
    expect(t.logs.join('\n')).not.toContain(cookie.split('.')[4]!);
  });
});
