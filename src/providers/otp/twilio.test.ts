import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTwilio, type FakeTwilio } from '../../../test/fakes/twilio.js';
import { createTwilioSmsSender, smsText, type TwilioSmsSenderOptions } from './twilio.js';
import type { OtpMessage } from './types.js';

const NOW = Date.parse('2030-01-01T00:00:00.000Z');
const clock = { now: () => NOW };
const msg: OtpMessage = {
  to: '+15551234567',
  channel: 'sms',
  code: '493817',
  call_id: 'CA0123456789abcdef0123456789abcdef',
  expires_at: '2030-01-01T00:05:00.000Z',
};
const MG = 'MG0123456789abcdef0123456789abcdef';

let twilio: FakeTwilio;
beforeEach(async () => {
  twilio = await startFakeTwilio();
});
afterEach(() => twilio.close());

const sender = (over: Partial<TwilioSmsSenderOptions> = {}) =>
  createTwilioSmsSender({
    accountSid: twilio.accountSid,
    authToken: twilio.authToken,
    from: '+15005550006',
    apiBaseUrl: twilio.url,
    clock,
    ...over,
  });

describe('twilio sms sender', () => {
  it('sends To/From/Body as a form with Basic auth and returns the Message sid', async () => {
    const r = await sender().send(msg);
    expect(r.ok).toBe(true);
    expect(r.ok && r.provider_id).toMatch(/^SM[0-9a-f]{32}$/);

    expect(twilio.requests).toHaveLength(1);
    const req = twilio.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`);
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.auth).toEqual({ user: twilio.accountSid, password: twilio.authToken });
    expect(req.form).toEqual({
      To: '+15551234567',
      From: '+15005550006',
      Body: 'Your verification code is 493817. It expires in 5 minutes. Never share this code.',
    });
    expect(req.status).toBe(201);
    expect(twilio.messages[0]).toMatchObject({ sid: r.ok && r.provider_id, status: 'queued' });
  });

  it('uses MessagingServiceSid when the sender is an MG… SID', async () => {
    const r = await sender({ from: MG }).send(msg);
    expect(r.ok).toBe(true);
    const form = twilio.requests[0]!.form;
    expect(form.MessagingServiceSid).toBe(MG);
    expect(form.From).toBeUndefined();
    expect(twilio.messages[0]!.status).toBe('accepted');
  });

  it('tolerates a trailing slash on the base URL', async () => {
    expect((await sender({ apiBaseUrl: `${twilio.url}/` }).send(msg)).ok).toBe(true);
    expect(twilio.requests[0]!.path).toBe(`/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`);
  });

  it('invalid To → twilio 21211, the body is not echoed', async () => {
    const r = await sender().send({ ...msg, to: '12345' });
    expect(r).toEqual({ ok: false, reason: 'delivery_failed', detail: 'twilio 21211' });
    expect(twilio.requests[0]!.status).toBe(400);
  });

  it('wrong credentials → twilio 20003', async () => {
    expect(await sender({ authToken: 'nope' }).send(msg)).toEqual({ ok: false, reason: 'delivery_failed', detail: 'twilio 20003' });
  });

  it('email → channel_unsupported without a request', async () => {
    const r = await sender().send({ ...msg, channel: 'email', to: 'a@example.com' });
    expect(r).toMatchObject({ ok: false, reason: 'channel_unsupported' });
    expect(twilio.requests).toHaveLength(0);
  });

  it('injected 500s fail, then recovery succeeds', async () => {
    twilio.failNext(2, 500);
    const s = sender();
    expect(await s.send(msg)).toEqual({ ok: false, reason: 'delivery_failed', detail: 'twilio 20500' });
    expect(await s.send(msg)).toEqual({ ok: false, reason: 'delivery_failed', detail: 'twilio 20500' });
    expect((await s.send(msg)).ok).toBe(true);
  });

  it('a non-JSON error answer → HTTP status', async () => {
    twilio.failNext(1, 502, '<html>bad gateway</html>');
    expect(await sender().send(msg)).toEqual({ ok: false, reason: 'delivery_failed', detail: 'HTTP 502' });
  });

  it('timeout → delivery_timeout', async () => {
    twilio.setLatency(2_000);
    const r = await sender({ timeoutMs: 100 }).send(msg);
    expect(r).toMatchObject({ ok: false, reason: 'delivery_timeout' });
  });

  it('network error → delivery_failed, never throws', async () => {
    const url = twilio.url;
    await twilio.close();
    const r = await sender({ apiBaseUrl: url }).send(msg);
    expect(r).toMatchObject({ ok: false, reason: 'delivery_failed' });
    twilio = await startFakeTwilio();
  });

  it('the code never appears in detail, whatever fails', async () => {
    const results = [];
    twilio.failNext(1, 500, JSON.stringify({ code: 30007, message: `Body "${msg.code}" filtered`, status: 500 }));
    results.push(await sender().send(msg));
    results.push(await sender({ fetch: () => Promise.reject(new Error(`boom ${msg.code}`)) }).send(msg));
    results.push(await sender().send({ ...msg, to: 'bad' }));
    for (const r of results) {
      expect(r.ok).toBe(false);
      expect(JSON.stringify(r)).not.toContain(msg.code);
    }
  });
});

describe('smsText', () => {
  it('computes minutes from expires_at', () => {
    expect(smsText('123456', '2030-01-01T00:05:00.000Z', NOW)).toBe(
      'Your verification code is 123456. It expires in 5 minutes. Never share this code.',
    );
    expect(smsText('123456', '2030-01-01T00:00:30.000Z', NOW)).toContain('expires in 1 minute.');
    expect(smsText('123456', '2030-01-01T00:04:01.000Z', NOW)).toContain('expires in 5 minutes.');
    expect(smsText('123456', 'garbage', NOW)).toBe('Your verification code is 123456. Never share this code.');
  });
});
