// Against the local Twilio fake over real HTTP.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTwilio, type FakeTwilio } from '../../../test/fakes/twilio.js';
import { createTwilioCallRedirector, isCallSid, type TwilioCallRedirectorOptions } from './calls.js';

const CALL = 'CA0123456789abcdef0123456789abcdef';
const SUCCESS = 'https://gate.example/ivr/twilio/success?session=s_1&x=1';

let twilio: FakeTwilio;
let slept: number[];
beforeEach(async () => {
  twilio = await startFakeTwilio();
  slept = [];
});
afterEach(() => twilio.close());

const redirector = (over: Partial<TwilioCallRedirectorOptions> = {}) =>
  createTwilioCallRedirector({
    accountSid: twilio.accountSid,
    authToken: twilio.authToken,
    apiBaseUrl: twilio.url,
    sleep: async (ms) => {
      slept.push(ms);
    },
    ...over,
  });

describe('twilio call redirector', () => {
  it('POSTs Url and Method as a form with Basic auth to the Call resource', async () => {
    const r = await redirector().redirect(CALL, { url: SUCCESS });
    expect(r).toEqual({ ok: true, attempts: 1, status: 200 });
    expect(twilio.requests).toHaveLength(1);
    const req = twilio.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/2010-04-01/Accounts/${twilio.accountSid}/Calls/${CALL}.json`);
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.auth).toEqual({ user: twilio.accountSid, password: twilio.authToken });
    expect(req.form).toEqual({ Url: SUCCESS, Method: 'POST' });
    expect(twilio.callUpdates).toEqual([{ callSid: CALL, url: SUCCESS, method: 'POST' }]);
    expect(slept).toEqual([]);
  });

  it('GET method and a trailing slash on the base URL', async () => {
    const r = await redirector({ apiBaseUrl: `${twilio.url}/` }).redirect(CALL, { url: SUCCESS, method: 'GET' });
    expect(r.ok).toBe(true);
    expect(twilio.requests[0]!.path).toBe(`/2010-04-01/Accounts/${twilio.accountSid}/Calls/${CALL}.json`);
    expect(twilio.callUpdates[0]).toMatchObject({ method: 'GET' });
  });

  it('retries 5xx with the backoff schedule, then succeeds (3 attempts)', async () => {
    twilio.failNext(2, 500);
    const r = await redirector().redirect(CALL, { url: SUCCESS });
    expect(r).toEqual({ ok: true, attempts: 3, status: 200 });
    expect(twilio.requests.map((q) => q.status)).toEqual([500, 500, 200]);
    expect(slept).toEqual([200]); // retry 1 waits 0 ms (no sleep), retry 2 waits 200 ms
    expect(twilio.callUpdates).toHaveLength(1);
  });

  it('retries 429 and 503 too', async () => {
    twilio.failNext(1, 429);
    twilio.failNext(1, 503);
    expect(await redirector().redirect(CALL, { url: SUCCESS })).toEqual({ ok: true, attempts: 3, status: 200 });
  });

  it('gives up after 1 + retries attempts, reporting the last failure as retryable', async () => {
    twilio.failNext(4, 503);
    const r = await redirector().redirect(CALL, { url: SUCCESS });
    expect(r).toEqual({ ok: false, attempts: 4, status: 503, error: 'twilio 20503', retryable: true });
    expect(twilio.requests).toHaveLength(4);
    expect(slept).toEqual([200, 800]);

    twilio.requests.length = 0;
    slept = [];
    twilio.failNext(1, 503);
    const once = await redirector({ retries: 0 }).redirect(CALL, { url: SUCCESS });
    expect(once).toMatchObject({ ok: false, attempts: 1, retryable: true });
    expect(twilio.requests).toHaveLength(1);

    twilio.requests.length = 0;
    twilio.failNext(10, 503);
    const longer = await redirector({ retries: 5, backoffMs: [10, 20] }).redirect(CALL, { url: SUCCESS });
    expect(longer).toMatchObject({ ok: false, attempts: 6 });
    expect(slept).toEqual([10, 20, 20, 20, 20]);
  });

  it('no retry when the call is no longer in progress (21220)', async () => {
    twilio.endCall(CALL);
    const r = await redirector().redirect(CALL, { url: SUCCESS });
    expect(r).toEqual({ ok: false, attempts: 1, status: 400, error: 'twilio 21220', retryable: false });
    expect(twilio.requests).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it('no retry on an unknown call (404 / 20404)', async () => {
    twilio.unknownCall(CALL);
    const r = await redirector().redirect(CALL, { url: SUCCESS });
    expect(r).toEqual({ ok: false, attempts: 1, status: 404, error: 'twilio 20404', retryable: false });
    expect(twilio.requests).toHaveLength(1);
  });

  it('no retry on bad credentials (401 / 20003); the token is never in the result', async () => {
    const r = await redirector({ authToken: 'wrong-token-value' }).redirect(CALL, { url: SUCCESS });
    expect(r).toEqual({ ok: false, attempts: 1, status: 401, error: 'twilio 20003', retryable: false });
    expect(JSON.stringify(r)).not.toContain('wrong-token-value');
  });

  it('a non-JSON error answer is reported by status', async () => {
    twilio.failNext(1, 400, '<html>nope</html>');
    expect(await redirector().redirect(CALL, { url: SUCCESS })).toEqual({
      ok: false,
      attempts: 1,
      status: 400,
      error: 'HTTP 400',
      retryable: false,
    });
  });

  it('times out on a slow answer, retries, and reports "timeout"', async () => {
    twilio.setLatency(500);
    const started = Date.now();
    const r = await redirector({ timeoutMs: 100, retries: 1 }).redirect(CALL, { url: SUCCESS });
    expect(r).toMatchObject({ ok: false, attempts: 2, error: 'timeout', retryable: true });
    expect(r.ok || r.status).toBeFalsy();
    expect(Date.now() - started).toBeLessThan(450);
    await twilio.waitForRequests(2);
  });

  it('a timeout followed by a prompt answer succeeds', async () => {
    let calls = 0;
    const slowOnce: TwilioCallRedirectorOptions['fetch'] = async (input, init) => {
      calls++;
      if (calls === 1) twilio.setLatency(500);
      else twilio.setLatency(0);
      return fetch(input, init);
    };
    const r = await redirector({ timeoutMs: 150, fetch: slowOnce }).redirect(CALL, { url: SUCCESS });
    expect(r).toEqual({ ok: true, attempts: 2, status: 200 });
  });

  it('network errors are retried and reported as "network"', async () => {
    const closed = await startFakeTwilio();
    const deadUrl = closed.url;
    await closed.close();
    const r = await redirector({ apiBaseUrl: deadUrl }).redirect(CALL, { url: SUCCESS });
    expect(r).toMatchObject({ ok: false, attempts: 4, error: 'network', retryable: true });
    expect(r.ok ? '' : r.detail).toMatch(/ECONNREFUSED|fetch failed|TypeError/);
  });

  it('a throwing fetch or sleep never makes redirect() throw', async () => {
    const boom = redirector({
      fetch: () => {
        throw new Error('sync boom');
      },
      retries: 0,
    });
    expect(await boom.redirect(CALL, { url: SUCCESS })).toMatchObject({ ok: false, attempts: 1, error: 'network', retryable: true });
    twilio.failNext(1, 500);
    const badSleep = redirector({
      sleep: () => Promise.reject(new Error('no timers')),
      backoffMs: [5],
    });
    expect(await badSleep.redirect(CALL, { url: SUCCESS })).toMatchObject({ ok: false, attempts: 1, error: 'network' });
  });

  it('refuses an invalid CallSid, URL or method without a request', async () => {
    const r = redirector();
    for (const sid of ['', 'CA123', `CA${'g'.repeat(32)}`, `XX${'0'.repeat(32)}`, `${CALL}/../x`, `${CALL} `, `CA${'0'.repeat(33)}`])
      expect(await r.redirect(sid, { url: SUCCESS }), sid).toEqual({ ok: false, attempts: 0, error: 'invalid_call_sid', retryable: false });
    expect(await r.redirect(CALL, { url: '/ivr/twilio/success' })).toMatchObject({ ok: false, attempts: 0, error: 'invalid_url' });
    expect(await r.redirect(CALL, { url: 'javascript:alert(1)' })).toMatchObject({ ok: false, attempts: 0, error: 'invalid_url' });
    expect(await r.redirect(CALL, { url: SUCCESS, method: 'PUT' as 'POST' })).toMatchObject({ ok: false, attempts: 0, error: 'invalid_method' });
    expect(await r.redirect(null as unknown as string, { url: SUCCESS })).toMatchObject({ error: 'invalid_call_sid' });
    expect(await r.redirect(CALL, undefined as unknown as { url: string })).toMatchObject({ error: 'invalid_url' });
    expect(twilio.requests).toHaveLength(0);
  });

  it('isCallSid', () => {
    expect(isCallSid(CALL)).toBe(true);
    expect(isCallSid(CALL.toUpperCase().replace(/^CA/, 'CA'))).toBe(true);
    expect(isCallSid('CA0123')).toBe(false);
    expect(isCallSid(42)).toBe(false);
  });

  it('configuration errors throw at construction', () => {
    const base = { accountSid: twilio.accountSid, authToken: twilio.authToken, apiBaseUrl: twilio.url };
    expect(() => createTwilioCallRedirector({ ...base, accountSid: 'ACnope' })).toThrow(TypeError);
    expect(() => createTwilioCallRedirector({ ...base, authToken: '' })).toThrow(TypeError);
    expect(() => createTwilioCallRedirector({ ...base, apiBaseUrl: 'api.twilio.com' })).toThrow(TypeError);
    expect(() => createTwilioCallRedirector({ ...base, retries: -1 })).toThrow(RangeError);
    expect(() => createTwilioCallRedirector({ ...base, timeoutMs: 0 })).toThrow(RangeError);
    expect(() => createTwilioCallRedirector({ ...base, backoffMs: [-5] })).toThrow(RangeError);
  });
});
