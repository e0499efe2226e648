import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ring, type TestApp } from '../../../../test/helpers/app.js';
import { startFakePushService, type FakePushService } from '../../../../test/fakes/web-push.js';
import { type PushDevice, pushTestApp } from '../../../../test/helpers/push-device.js';
import { createPushSender, endpointAllowed, webPushAdapter } from './sender.js';
import { generateVapidKey, importVapidKey } from './vapid.js';

let service: FakePushService;
beforeAll(async () => {
  service = await startFakePushService();
});
afterAll(() => service.close());

let t: TestApp;
let ada: PushDevice;
beforeEach(async () => {
  const vapid = await importVapidKey(await generateVapidKey());
  const sender = createPushSender({ webpush: webPushAdapter({ vapid, subject: 'mailto:ops@bank.example', allowLoopbackHttp: true }) });
  ({ t, ada } = await pushTestApp({ register: false, app: { pushSender: sender } }));
});
afterEach(() => t.close());

describe('Web Push delivery (RFC 8030, 8291, 8292) to a push service over HTTP', () => {
  it('the push service gets a VAPID-signed, encrypted wake-up the subscription decrypts; the app then approves', async () => {
    const sub = service.subscribe();
    expect((await ada.register({ transport: 'webpush', address: sub.endpoint, p256dh: sub.p256dh, auth: sub.auth })).status).toBe(200);
    await ring(t, 'W1');
    const before = service.messages.length;
    const number = (await t.tool('W1', 'push_send')).body.push_number as string;
    await t.drain();
    await service.waitForMessages(before + 1);
    const msg = service.messages.at(-1)!;
    expect(msg.subscriptionId).toBe(sub.id);
    expect(msg.vapid).toMatchObject({ aud: service.url, sub: 'mailto:ops@bank.example' });
    expect(msg.headers).toMatchObject({ urgency: 'high', 'content-encoding': 'aes128gcm' });
    expect(Number(msg.headers.ttl)).toBeGreaterThan(0);
    const c = await ada.challenge();
    // A wake-up names the challenge and carries nothing that answers it.
    expect(msg.payload).toEqual({ type: 'callgate.push', challenge_id: c.challenge_id, expires_at: c.expires_at });
    expect(JSON.stringify(msg.payload)).not.toContain(c.nonce);
    expect(t.eventTypes('W1')).toContain('push_delivered');
    expect((await ada.approve(c, number)).status).toBe(200);
  });

  it('a subscription the push service says is gone (410) is dropped; the device keeps the pull channel', async () => {
    const sub = service.subscribe();
    await ada.register({ transport: 'webpush', address: sub.endpoint, p256dh: sub.p256dh, auth: sub.auth });
    service.unsubscribe(sub.id);
    await ring(t, 'W2');
    await t.tool('W2', 'push_send');
    await t.drain();
    expect(t.eventTypes('W2')).toContain('push_delivery_failed');
    expect(t.sqlite.prepare("select transport, target from push_devices where device_id = 'ada-phone'").get()).toEqual({ transport: 'pull', target: null });
    expect((await ada.pending()).body.challenges).toHaveLength(1);
  });

  it('never posts to a plain-http endpoint that is not loopback, nor to anything but http(s)', () => {
    expect(endpointAllowed('https://fcm.googleapis.com/fcm/send/x', false)).toBe(true);
    expect(endpointAllowed('http://127.0.0.1:9/push/x', false)).toBe(false);
    expect(endpointAllowed('http://127.0.0.1:9/push/x', true)).toBe(true);
    expect(endpointAllowed('http://10.0.0.5/push/x', true)).toBe(false);
    expect(endpointAllowed('file:///etc/passwd', true)).toBe(false);
  });
});
