import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { silentLogger } from '../src/kernel/ports.js';
import type { TwilioCallRedirector } from '../src/providers/twilio/calls.js';
import { enrolAda, enrolDevice, makeTestApp, passOtp, ring, SECRET_KEY, SECRETS, unlimited, type TestApp } from './helpers/app.js';

const METRICS_TOKEN = 'test-metrics-scrape-token';
// A redirect that always succeeds at once: the intercept and its latency are what is counted.
const redirector: TwilioCallRedirector = { redirect: async () => ({ ok: true, attempts: 1, status: 200 }) };
const IVR_CALL = `CA${'cd'.repeat(16)}`;

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp({ rateLimiter: unlimited, metricsToken: METRICS_TOKEN, twilio: { authToken: 'twilio-auth-token', redirector } });
  await enrolAda(t);
});
afterEach(() => t.close());

async function scrape(token = METRICS_TOKEN) {
  const res = await t.app.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** The parsed scrape as name → samples, and a lookup of one sample's value by its labels. */
function parsed(text: string) {
  const families = new Map<string, ParsedFamily>(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
  const value = (name: string, labels: Record<string, string> = {}) => {
    const f = families.get(name);
    if (!f) throw new Error(`no metric ${name}`);
    const m = f.metrics.find((s) => JSON.stringify(s.labels ?? {}) === JSON.stringify(labels));
    return m?.value === undefined ? undefined : Number(m.value);
  };
  return { families, value };
}

/** Five scripted calls: verified by OTP in 20 s, two wrong codes then a handoff, abandoned, a DID timeout, a DID confirmed and redirected. */
async function scriptedCalls() {
  const ada = await enrolDevice(t, 'cust_ada', 'ada-phone');

  await ring(t, 'CA1');
  t.clock.advance(20_000);
  expect((await passOtp(t, 'CA1')).body.success).toBe(true);

  await ring(t, 'CA2');
  await t.tool('CA2', 'otp_send', { channel: 'sms' });
  const code = t.lastCode()!;
  const wrong = code === '111111' ? '222222' : '111111';
  await t.tool('CA2', 'otp_verify', { code: wrong });
  await t.tool('CA2', 'otp_verify', { code: wrong });
  await t.tool('CA2', 'handoff');

  await ring(t, 'CA3', '+15550009999');
  await t.services.calls.end('CA3', t.clock.now()); // what the post-call webhook does

  await ring(t, 'CA4');
  const issued = (await t.tool('CA4', 'did_issue')).body.did as string;
  // A wrong DID while Ada's session is pending: one attempt, though it also counts against CA4.
  await ada.challenge(issued === '000000' ? '000001' : '000000');
  t.clock.advance(61_000);
  await t.tool('CA4', 'did_wait', { wait_seconds: 1 });

  const created = await t.ivr('POST', '/sessions', { provider: 'twilio', callId: IVR_CALL, redirectUrl: 'https://ivr.example.com/verified' });
  expect(created.status).toBe(201);
  expect((await ada.confirm(created.body.did)).body).toEqual({ success: true, status: 'confirmed' });
  await t.drain();
  return { code, wrong, did: created.body.did as string };
}

describe('GET /metrics', () => {
  it('refuses a scrape without the admin or metrics token', async () => {
    expect((await scrape('wrong')).status).toBe(401);
    expect((await scrape(SECRETS.tool)).status).toBe(401);
    expect((await scrape(SECRETS.admin)).status).toBe(200);
    expect((await scrape(METRICS_TOKEN)).status).toBe(200);
  });

  it('reports the scripted calls, parsed by an exposition-format parser', async () => {
    const secrets = await scriptedCalls();
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const { families, value } = parsed(res.text);

    // Prometheus conventions: HELP and TYPE on every family, _total on counters, bounded labels.
    for (const f of families.values()) {
      expect(f.name).toMatch(/^callgate_[a-z_]+$/);
      expect(f.help.length).toBeGreaterThan(10);
      if (f.type === 'COUNTER') expect(f.name).toMatch(/_total$/);
      if (f.type === 'HISTOGRAM') expect(f.name).toMatch(/_seconds$/);
      for (const m of f.metrics) {
        for (const v of Object.values(m.labels ?? {})) {
          // Words from a short vocabulary (statuses, factors, reasons) or a policy version, never an id.
          expect(v, `${f.name} label value`).toMatch(/^([a-z]{1,16}_)*[a-z]{1,16}$|^\d{1,3}$/);
          expect(['CA1', 'CA2', 'CA3', 'CA4', IVR_CALL, 'cust_ada']).not.toContain(v);
        }
      }
    }
    // Nothing secret or personal: codes, the DID, tokens, keys, phone numbers.
    for (const needle of [secrets.code, secrets.wrong, secrets.did, SECRETS.admin, SECRETS.tool, SECRETS.ivr, METRICS_TOKEN, SECRET_KEY, '4155550142', 'ada@']) {
      expect(res.text.includes(needle), `scrape contains a secret (${needle.length} chars)`).toBe(false);
    }

    expect(value('callgate_calls_created_total')).toBe(5);
    expect(value('callgate_calls', { status: 'authenticated' })).toBe(2);
    expect(value('callgate_calls', { status: 'handed_off' })).toBe(1);
    expect(value('callgate_calls', { status: 'ended' })).toBe(1);
    expect(value('callgate_calls', { status: 'pending' })).toBe(1);
    expect(value('callgate_calls_authenticated_total')).toBe(2);
    expect(value('callgate_calls_handed_off_total', { reason: 'requested' })).toBe(1);
    expect(value('callgate_calls_blocked_total')).toBe(0);
    expect(value('callgate_calls_abandoned_total')).toBe(1);
    expect(value('callgate_calls_contained')).toBe(2);
    // Contained (2) of the calls with an outcome: 2 authenticated, 1 handed off, 1 abandoned.
    expect(value('callgate_containment_ratio')).toBe(0.5);

    const ttv = families.get('callgate_time_to_verify_seconds')!;
    expect(ttv.type).toBe('HISTOGRAM');
    expect(ttv.metrics[0]).toMatchObject({ count: '2', sum: '20' });
    expect(ttv.metrics[0]!.buckets).toMatchObject({ '5': '1', '15': '1', '20': '2', '600': '2' });

    expect(value('callgate_factor_attempts_total', { factor: 'otp', outcome: 'passed' })).toBe(1);
    expect(value('callgate_factor_attempts_total', { factor: 'otp', outcome: 'failed' })).toBe(2);
    expect(value('callgate_factor_attempts_total', { factor: 'did', outcome: 'passed' })).toBe(1);
    expect(value('callgate_factor_attempts_total', { factor: 'did', outcome: 'failed' })).toBe(1);
    expect(value('callgate_otp_sent_total', { channel: 'sms' })).toBe(2);
    expect(value('callgate_otp_challenges', { channel: 'sms', status: 'approved' })).toBe(1);

    expect(value('callgate_did_issued_total')).toBe(2);
    expect(value('callgate_did_resolved_total', { outcome: 'confirmed' })).toBe(1);
    expect(value('callgate_did_resolved_total', { outcome: 'timeout' })).toBe(1);
    expect(value('callgate_did_wrong_total')).toBe(1);
    expect(value('callgate_did_sessions', { status: 'confirmed' })).toBe(1);
    expect(value('callgate_intercepts_total', { outcome: 'success' })).toBe(1);
    expect(value('callgate_intercepts_total', { outcome: 'failure' })).toBe(0);
    expect(families.get('callgate_confirm_to_redirect_seconds')!.metrics[0]).toMatchObject({ count: '1' });
    expect(value('callgate_breaker_trips_total', { breaker: 'sms' })).toBe(0);
    expect(value('callgate_policy_decisions_total', { policy: 'default', version: '1', outcome: 'allow' })).toBeGreaterThanOrEqual(2);

  });

  it('answers the same totals from another app over the same database (durable, not per process)', async () => {
    await scriptedCalls();
    const first = await scrape();
    const other = createApp({
      db: t.db,
      secrets: { ...SECRETS, metrics: METRICS_TOKEN },
      keys: t.services.keys,
      policies: t.services.policies,
      otpSender: t.services.otpSender,
      clock: t.clock,
      logger: silentLogger,
    });
    const res = await other.app.request('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(await res.text()).toBe(first.text);
  });
});
