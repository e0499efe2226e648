// The fake must itself speak Twilio's wire format, or tests against it prove nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTwilio, type FakeTwilio } from './twilio.js';

let twilio: FakeTwilio;
beforeEach(async () => {
  twilio = await startFakeTwilio();
});
afterEach(() => twilio.close());

const CALL = 'CA0123456789abcdef0123456789abcdef';
const auth = () => `Basic ${btoa(`${twilio.accountSid}:${twilio.authToken}`)}`;
const post = (path: string, form: Record<string, string>, authorization: string | null = auth()) =>
  fetch(`${twilio.url}${path}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      ...(authorization ? { Authorization: authorization } : {}),
    },
    body: new URLSearchParams(form).toString(),
  });
const callPath = (sid = CALL) => `/2010-04-01/Accounts/${twilio.accountSid}/Calls/${sid}.json`;

describe('fake Twilio', () => {
  it('redirects a live call: 200 with a Call resource, recorded', async () => {
    const res = await post(callPath(), { Url: 'https://gate.example/ivr/twilio/success', Method: 'POST' });
    expect(res.status).toBe(200);
    const call = (await res.json()) as Record<string, unknown>;
    expect(call).toMatchObject({ sid: CALL, account_sid: twilio.accountSid, status: 'in-progress', api_version: '2010-04-01' });
    expect(twilio.callUpdates).toEqual([{ callSid: CALL, url: 'https://gate.example/ivr/twilio/success', method: 'POST' }]);
    expect(twilio.requests[0]).toMatchObject({ kind: 'call_update', callSid: CALL, form: { Url: 'https://gate.example/ivr/twilio/success' } });
  });

  it('a call no longer in progress answers 21220', async () => {
    twilio.endCall(CALL);
    const res = await post(callPath(), { Url: 'https://gate.example/x' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      code: 21220,
      message: 'Call is not in-progress. Cannot redirect.',
      more_info: 'https://www.twilio.com/docs/errors/21220',
      status: 400,
    });
  });

  it('checks auth, paths and parameters the way Twilio does', async () => {
    expect((await post(callPath(), { Url: 'https://x.example' }, null)).status).toBe(401);
    expect((await post(callPath(), { Url: 'https://x.example' }, `Basic ${btoa(`${twilio.accountSid}:wrong`)}`)).status).toBe(401);
    expect((await post(callPath('CAnope'), { Url: 'https://x.example' })).status).toBe(404);
    expect((await post(callPath(), { Url: 'relative/path' })).status).toBe(400);
    expect((await post('/2010-04-01/Accounts/ACother/Messages.json', { To: '+15551234567' })).status).toBe(404);
    const noBody = await post(`/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`, { To: '+15551234567', From: '+15005550006' });
    expect(((await noBody.json()) as { code: number }).code).toBe(21602);
  });

  it('injected failures and latency', async () => {
    twilio.failNext(1, 503);
    const failed = await post(callPath(), { Url: 'https://x.example' });
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { code: number }).code).toBe(20503);
    twilio.setLatency(150);
    const started = Date.now();
    expect((await post(callPath(), { Url: 'https://x.example' })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await twilio.waitForRequests(2);
    expect(twilio.requests.map((r) => r.status)).toEqual([503, 200]);
  });
});
