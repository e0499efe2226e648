import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import * as official from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTwilioCallRedirector } from '../../providers/twilio/calls.js';
import { twilioSignature } from '../../providers/twilio/signature.js';
import { startFakeTwilio, type FakeTwilio } from '../../../test/fakes/twilio.js';
import { enrolAda, enrolDevice, makeTestApp, PUBLIC_URL, unlimited, type TestApp } from '../../../test/helpers/app.js';

let twilio: FakeTwilio;
beforeAll(async () => {
  twilio = await startFakeTwilio();
});
afterAll(() => twilio.close());

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp({
    rateLimiter: unlimited,
    twilio: {
      authToken: twilio.authToken,
      redirector: createTwilioCallRedirector({ accountSid: twilio.accountSid, authToken: twilio.authToken, apiBaseUrl: twilio.url, sleep: async () => {} }),
    },
  });
  await enrolAda(t);
});
afterEach(() => t.close());

const CALL = `CA${'ab'.repeat(16)}`;

/** A webhook exactly as Twilio sends it: form body, X-Twilio-Signature over the public URL. */
async function webhook(pathAndQuery: string, params: Record<string, string>, opts: { signature?: string; token?: string } = {}) {
  const signature = opts.signature ?? (await twilioSignature(twilio.authToken, PUBLIC_URL + pathAndQuery, params));
  const res = await t.app.request(pathAndQuery, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
      ...(opts.token ? { 'i-twilio-idempotency-token': opts.token } : {}),
    },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

const callParams = { CallSid: CALL, From: '+14155550142', To: '+18005550100', AccountSid: 'AC' + '0'.repeat(32) };
const waitPath = (xml: string) => new URL(/action="([^"]+)"/.exec(xml)![1]!.replace(/&amp;/g, '&')).pathname + new URL(/action="([^"]+)"/.exec(xml)![1]!.replace(/&amp;/g, '&')).search;

describe('Twilio TwiML flow', () => {
  it('accepts a correctly signed webhook and speaks the DID digit by digit', async () => {
    const res = await webhook('/ivr/twilio/verify', callParams);
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/xml');
    const session = (await t.services.did.latestForCall(CALL))!;
    expect(res.text).toContain(`<Say voice="Polly.Joanna" language="en-US">Your verification number is ${session.did.split('').join(', ')}.`);
    expect(res.text).toMatch(new RegExp(`<Gather numDigits="1" action="${PUBLIC_URL}/ivr/twilio/wait\\?session=${session.id}" method="POST"`));
    expect(session.redirectUrl).toBe(`${PUBLIC_URL}/ivr/twilio/success`);
  });

  it('refuses a missing, wrong or replayed-elsewhere signature', async () => {
    expect((await webhook('/ivr/twilio/verify', callParams, { signature: '' })).status).toBe(403);
    expect((await webhook('/ivr/twilio/verify', callParams, { signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' })).status).toBe(403);
    const signedForOtherPath = await twilioSignature(twilio.authToken, `${PUBLIC_URL}/ivr/twilio/success`, callParams);
    expect((await webhook('/ivr/twilio/verify', callParams, { signature: signedForOtherPath })).status).toBe(403);
    const tampered = await twilioSignature(twilio.authToken, `${PUBLIC_URL}/ivr/twilio/verify`, callParams);
    expect((await webhook('/ivr/twilio/verify', { ...callParams, From: '+19999999999' }, { signature: tampered })).status).toBe(403);
    expect(await t.services.did.latestForCall(CALL)).toBeUndefined();
  });

  it('answers a retried webhook (same I-Twilio-Idempotency-Token) with the first answer', async () => {
    // /wait is not idempotent by itself (each turn is a loop_iteration): only the token makes the retry harmless.
    const path = waitPath((await webhook('/ivr/twilio/verify', callParams)).text);
    const first = await webhook(path, callParams, { token: 'idem-1' });
    const again = await webhook(path, callParams, { token: 'idem-1' });
    expect(again.text).toBe(first.text);
    expect(t.eventTypes(CALL).filter((e) => e === 'loop_iteration')).toHaveLength(1);
    await webhook(path, callParams, { token: 'idem-2' });
    expect(t.eventTypes(CALL).filter((e) => e === 'loop_iteration')).toHaveLength(2);
  });

  it('loops with a bounded number of prompts, then gives up to the failure handler', async () => {
    const verify = await webhook('/ivr/twilio/verify', callParams);
    const path = waitPath(verify.text);
    for (let i = 1; i <= 6; i++) {
      const loop = await webhook(path, { ...callParams });
      expect(loop.text).toContain('We&apos;re still waiting for your confirmation in the app.');
    }
    const last = await webhook(path, { ...callParams });
    expect(last.text).toContain(`<Redirect method="POST">${PUBLIC_URL}/ivr/twilio/failure</Redirect>`);
    expect(t.eventTypes(CALL).filter((e) => e === 'loop_iteration')).toHaveLength(6);
    expect(t.eventTypes(CALL)).toContain('canceled');
  });

  it('cancels on 0, and a session of another call is never answered', async () => {
    const verify = await webhook('/ivr/twilio/verify', callParams);
    const path = waitPath(verify.text);
    const foreign = await webhook(path, { ...callParams, CallSid: `CA${'cd'.repeat(16)}` });
    expect(foreign.text).toContain('/ivr/twilio/failure');
    expect((await t.services.did.latestForCall(CALL))!.status).toBe('pending');
    const cancel = await webhook(path, { ...callParams, Digits: '0' });
    expect(cancel.text).toContain('Verification canceled.');
    expect(cancel.text).toContain('/ivr/twilio/failure');
  });

  it('on confirmation: the live call is redirected via the Calls API, and the wait loop sends it to success too', async () => {
    const device = await enrolDevice(t, 'cust_ada', 'ada-phone');
    const verify = await webhook('/ivr/twilio/verify', callParams);
    const session = (await t.services.did.latestForCall(CALL))!;
    // The caller presses 1 and the IVR holds while the app confirms.
    const holding = webhook(waitPath(verify.text), { ...callParams, Digits: '1' });
    await new Promise((r) => setTimeout(r, 20));
    expect((await device.confirm(session.did)).body.status).toBe('confirmed');
    const held = await holding;
    expect(held.text).toContain(`<Redirect method="POST">${PUBLIC_URL}/ivr/twilio/success</Redirect>`);
    await t.drain();
    expect(twilio.callUpdates.filter((u) => u.callSid === CALL)).toEqual([
      expect.objectContaining({ url: `${PUBLIC_URL}/ivr/twilio/success`, method: 'POST' }),
    ]);
    const success = await webhook('/ivr/twilio/success', callParams);
    expect(success.text).toContain('You are verified.');
  });

  it('reissues a new DID after a timeout while retries remain', async () => {
    const verify = await webhook('/ivr/twilio/verify', callParams);
    const first = (await t.services.did.latestForCall(CALL))!;
    t.clock.advance(61_000);
    const next = await webhook(waitPath(verify.text), { ...callParams });
    const second = (await t.services.did.latestForCall(CALL))!;
    expect(second.id).not.toBe(first.id);
    expect(second.previousSessionId).toBe(first.id);
    expect(next.text).toContain(`Your verification number is ${second.did.split('').join(', ')}.`);
  });
});

describe('without Twilio configured', () => {
  it('answers 503 twilio_not_configured', async () => {
    const plain = await makeTestApp();
    const res = await plain.app.request('/ivr/twilio/verify', { method: 'POST', body: 'CallSid=CA1' });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ success: false, reason: 'twilio_not_configured' });
    plain.close();
  });
});

describe('Twilio flow in Spanish', () => {
  it('speaks the locale from the webhook URL and carries it to the handlers', async () => {
    const path = '/ivr/twilio/verify?locale=es-US';
    const res = await webhook(path, callParams);
    expect(res.text).toContain('Su número de verificación es');
    const session = (await t.services.did.latestForCall(CALL))!;
    expect(session.redirectUrl).toBe(`${PUBLIC_URL}/ivr/twilio/success?locale=es-US`);
    const cancel = await webhook(waitPath(res.text), { ...callParams, Digits: '0' });
    expect(cancel.text).toContain('Verificación cancelada.');
    expect(cancel.text).toContain(`${PUBLIC_URL}/ivr/twilio/failure?locale=es-US`);
    expect((await webhook('/ivr/twilio/failure?locale=es-US', callParams)).text).toContain('No pudimos verificar su identidad.');
  });
});

// Over a real socket, signed by the twilio package: the request target reaches the app with the
// characters Twilio sent (app.request would re-parse the URL and percent-encode a `'`).
describe('webhooks as Twilio signs them, over HTTP', () => {
  let server: ServerType;
  let port = 0;
  beforeEach(async () => {
    server = await new Promise<ServerType>((ready) => {
      const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready(s));
    });
    port = (server.address() as AddressInfo).port;
  });
  afterEach(() => new Promise<void>((done) => server.close(() => done())));

  function post(pathAndQuery: string, headers: Record<string, string>, body: string) {
    return new Promise<{ status: number; text: string }>((done, fail) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: pathAndQuery, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => done({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  }

  const signed = (pathAndQuery: string, algorithm?: string) => ({
    'x-twilio-signature': official.getExpectedTwilioSignature(twilio.authToken, PUBLIC_URL + pathAndQuery, callParams, algorithm),
  });
  const body = new URLSearchParams(callParams).toString();

  it("accepts a webhook URL whose query holds a ' (signed over the URL as sent, which no re-encoding reproduces)", async () => {
    const path = "/ivr/twilio/verify?campaign=o'brien+jr";
    const res = await post(path, signed(path), body);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Your verification number is');
  });

  it('accepts HMAC-SHA256 signatures named by X-Twilio-Webhooks-Signature-Settings, and nothing else', async () => {
    const path = "/ivr/twilio/verify?campaign=o'brien+jr";
    const settings = { 'x-twilio-webhooks-signature-settings': 'key=webhooks_sharedkey_1,algorithm=HMAC_SHA256' };
    expect((await post(path, { ...signed(path, 'HMAC_SHA256'), ...settings }, body)).status).toBe(200);
    // A SHA-256 signature without the header naming it, or a SHA-1 one under it, is refused.
    expect((await post(path, signed(path, 'HMAC_SHA256'), body)).status).toBe(403);
    expect((await post(path, { ...signed(path), ...settings }, body)).status).toBe(403);
    const unknown = { 'x-twilio-webhooks-signature-settings': 'key=k,algorithm=HMAC_SHA512' };
    const refused = await post(path, { ...signed(path, 'HMAC_SHA256'), ...unknown }, body);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text)).toMatchObject({ success: false, reason: 'bad_signature' });
  });
});
