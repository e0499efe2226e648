import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHttpSink, type HttpSink } from '../../../test/fakes/http-sink.js';
import { verifyBody } from '../../crypto/signature.js';
import type { OtpMessage } from './types.js';
import { createWebhookSender } from './webhook.js';

const SECRET = 'otp-webhook-secret-0123456789abcdef';
const NOW = Date.parse('2030-01-01T00:00:00.000Z');
const clock = { now: () => NOW };
const msg: OtpMessage = {
  to: '+15551234567',
  channel: 'sms',
  code: '493817',
  call_id: 'CA0123456789abcdef0123456789abcdef',
  expires_at: '2030-01-01T00:05:00.000Z',
};

let sink: HttpSink;
beforeEach(async () => {
  sink = await startHttpSink();
});
afterEach(() => sink.close());

describe('webhook sender', () => {
  it('POSTs signed JSON the receiver can verify with verifyBody', async () => {
    const sender = createWebhookSender({ url: `${sink.url}/otp`, secret: SECRET, clock });
    expect(sender.name).toBe('webhook');
    expect(await sender.send(msg)).toEqual({ ok: true });

    expect(sink.requests).toHaveLength(1);
    const req = sink.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/otp');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.json).toEqual({ to: msg.to, channel: 'sms', code: '493817', call_id: msg.call_id, expires_at: msg.expires_at });
    const header = req.headers['x-callgate-signature'] as string;
    expect(header).toMatch(/^t=1893456000,v1=[0-9a-f]{64}$/);
    expect(await verifyBody(SECRET, header, req.rawBody, NOW / 1000)).toEqual({ ok: true, t: 1893456000 });
    expect(await verifyBody('wrong-secret', header, req.rawBody, NOW / 1000)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('keeps a receiver-supplied id as provider_id', async () => {
    sink.respondWith(202, { id: 'msg_42' });
    const sender = createWebhookSender({ url: sink.url, secret: SECRET, clock });
    expect(await sender.send(msg)).toEqual({ ok: true, provider_id: 'msg_42' });
  });

  it.each([400, 404, 500, 503])('HTTP %i → delivery_failed with the status, never the code', async (status) => {
    sink.failNext(1, status);
    const sender = createWebhookSender({ url: sink.url, secret: SECRET, clock });
    const r = await sender.send(msg);
    expect(r).toEqual({ ok: false, reason: 'delivery_failed', detail: `HTTP ${status}` });
  });

  it('does not follow redirects (the code must not travel elsewhere)', async () => {
    sink.respondWith(307, '', { Location: 'http://127.0.0.1:1/elsewhere' });
    const sender = createWebhookSender({ url: sink.url, secret: SECRET, clock });
    expect(await sender.send(msg)).toEqual({ ok: false, reason: 'delivery_failed', detail: 'HTTP 307' });
    expect(sink.requests).toHaveLength(1);
  });

  it('timeout → delivery_timeout', async () => {
    sink.setLatency(2_000);
    const sender = createWebhookSender({ url: sink.url, secret: SECRET, clock, timeoutMs: 100 });
    const started = Date.now();
    const r = await sender.send(msg);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(r).toMatchObject({ ok: false, reason: 'delivery_timeout' });
    expect(JSON.stringify(r)).not.toContain(msg.code);
  });

  it('network error → delivery_failed, no throw', async () => {
    const url = sink.url;
    await sink.close();
    const sender = createWebhookSender({ url, secret: SECRET, clock, timeoutMs: 2_000 });
    const r = await sender.send(msg);
    expect(r).toMatchObject({ ok: false, reason: 'delivery_failed' });
    expect(r.ok === false && r.detail).toBe('network error (ECONNREFUSED)');
    expect(JSON.stringify(r)).not.toContain(msg.code);
    sink = await startHttpSink(); // for afterEach
  });

  it('a throwing fetch and a bad URL are results, not exceptions', async () => {
    const throwing = createWebhookSender({
      url: sink.url,
      secret: SECRET,
      clock,
      fetch: () => Promise.reject(new Error(`boom ${msg.code}`)),
    });
    const r1 = await throwing.send(msg);
    expect(r1).toMatchObject({ ok: false, reason: 'delivery_failed' });
    expect(JSON.stringify(r1)).not.toContain(msg.code);

    const badUrl = createWebhookSender({ url: 'not a url', secret: SECRET, clock });
    expect(await badUrl.send(msg)).toMatchObject({ ok: false, reason: 'delivery_failed' });

    const emptySecret = createWebhookSender({ url: sink.url, secret: '', clock });
    expect(await emptySecret.send(msg)).toMatchObject({ ok: false, reason: 'delivery_failed' });
  });
});
