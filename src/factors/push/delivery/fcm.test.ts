// FCM HTTP v1 delivery end to end: a real callgate started from its environment, a phone enrolled
// with the device simulator, and a local FCM speaking Google's wire format (OAuth token endpoint
// and messages:send) on a real socket.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeFcm, type FakeFcm } from '../../../../test/fakes/fcm.js';
import { expectNoSecrets, startPushServer, type PushServer } from '../../../../test/helpers/push-server.js';
import { fcmAdapter } from './fcm.js';

let fcm: FakeFcm;
beforeAll(async () => {
  fcm = await startFakeFcm();
});
afterAll(() => fcm.close());

let s: PushServer;
let deviceToken: string;
beforeEach(async () => {
  s = await startPushServer({ CALLGATE_FCM_SERVICE_ACCOUNT: fcm.serviceAccountJson(), CALLGATE_FCM_API_URL: fcm.url });
  deviceToken = fcm.register();
  const enrolled = await s.pushEnrol([`--fcm-token=${deviceToken}`]);
  expect(enrolled).toEqual({ code: 0, out: ['registered ada-phone for pushes (fcm)'] });
});
afterEach(() => s.close());

const delivered = (events: { type: string }[]) => events.filter((e) => e.type === 'push_delivered');

describe('FCM HTTP v1 delivery through the running server', () => {
  it('a push challenge reaches FCM as a high-priority data message naming it, and nothing that answers it', async () => {
    const before = fcm.messages.length;
    const sent = await s.pushSend('F1');
    expect(fcm.messages).toHaveLength(before + 1);
    const msg = fcm.messages.at(-1)!;
    expect(msg.token).toBe(deviceToken);
    expect(Object.keys(msg.data).sort()).toEqual(['challenge_id', 'expires_at', 'type']);
    expect(msg.data.type).toBe('callgate.push');
    expect(msg.android).toMatchObject({ priority: 'high', collapse_key: 'callgate.push' });
    const ttl = Number(/^(\d+)s$/.exec(String(msg.android.ttl))![1]);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    // An iOS app registered with FCM gets an alert FCM relays to APNs.
    expect(msg.apns?.headers).toMatchObject({ 'apns-push-type': 'alert', 'apns-priority': '10', 'apns-collapse-id': 'callgate.push' });
    expect(Number(msg.apns?.headers?.['apns-expiration'])).toBeGreaterThan(Date.now() / 1000);
    expect((msg.apns?.payload as { aps: Record<string, unknown> }).aps).toMatchObject({ 'mutable-content': 1, alert: { 'loc-key': 'callgate.push.body' } });

    const events = await s.events('F1');
    const sentEvent = events.find((e) => e.type === 'push_sent')!;
    expect(msg.data.challenge_id).toBe(sentEvent.challenge_id);
    expect(delivered(events)).toEqual([expect.objectContaining({ transport: 'fcm', status: 200, challenge_id: msg.data.challenge_id })]);
    // The three choices and the nonce come only from the signed pull channel: data holds the three keys above.
    expect(msg.data.expires_at).toBe(new Date(Date.parse(msg.data.expires_at!)).toISOString());
    expect(Object.keys(msg.apns?.payload ?? {})).toEqual(['aps']);
    expect((await s.approve(String(sent.push_number))).code).toBe(0);
  });

  it('one access token serves many sends; a revoked one is replaced once and the send retried once', async () => {
    const grants = fcm.assertions.length;
    const first = await s.pushSend('F2');
    expect(fcm.assertions.length).toBe(grants + 1);
    await s.approve(String(first.push_number));
    const second = await s.pushSend('F3');
    expect(delivered(await s.events('F3'))).toHaveLength(1);
    expect(fcm.assertions.length).toBe(grants + 1);
    await s.approve(String(second.push_number));

    fcm.revokeAccessTokens();
    const attempts = fcm.sendAttempts();
    await s.pushSend('F4');
    expect(fcm.assertions.length).toBe(grants + 2);
    expect(fcm.sendAttempts()).toBe(attempts + 2);
    expect(delivered(await s.events('F4'))).toEqual([expect.objectContaining({ status: 200 })]);
  });

  it('a token FCM says is unregistered (404 UNREGISTERED) is dropped; the device keeps the pull channel', async () => {
    fcm.unregister(deviceToken);
    await s.pushSend('F5');
    const failed = (await s.events('F5')).filter((e) => e.type === 'push_delivery_failed');
    expect(failed).toEqual([expect.objectContaining({ transport: 'fcm', status: 404, gone: true })]);
    expect(await s.target()).toEqual({ transport: 'pull', target: null });
  });

  it('registration refuses a malformed FCM token with a 400 naming the field', async () => {
    const r = await s.pushEnrol(['--fcm-token=not a token']);
    expect(r.code).toBe(1);
    expect(r.out.join('\n')).toMatch(/address/);
    expect(await s.target()).toEqual({ transport: 'fcm', target: JSON.stringify({ address: deviceToken }) });
  });

  it('no private key, assertion or access token in any answer, log line, printed line, event or table', async () => {
    fcm.revokeAccessTokens();
    const first = await s.pushSend('F6');
    await s.approve(String(first.push_number));
    fcm.unregister(deviceToken);
    await s.pushSend('F7');
    expect((await s.events('F6')).map((e) => e.type)).toContain('push_delivered');
    expect((await s.events('F7')).map((e) => e.type)).toContain('push_delivery_failed');
    const keyBody = fcm.privateKeyPem().split('\n').slice(1, -2);
    const needles = [...keyBody.filter((l) => l.length > 40), ...fcm.issued, ...fcm.assertions, fcm.serviceAccountJson().slice(0, 200)];
    expect(needles.length).toBeGreaterThan(20);
    expect(s.logs.some((l) => l.includes('"event":"http_request"'))).toBe(true);
    expectNoSecrets({ responses: s.responses, logs: s.logs, printed: s.printed, tables: await s.tables() }, needles, expect);
  });
});

describe('the FCM adapter against the fake', () => {
  const message = { payload: { type: 'callgate.push', challenge_id: 'push_x', expires_at: new Date().toISOString() }, ttlSeconds: 30 };

  it('concurrent sends share one token request', async () => {
    const send = fcmAdapter({ serviceAccount: account(), apiUrl: fcm.url });
    const grants = fcm.assertions.length;
    const targets = Array.from({ length: 5 }, () => ({ address: fcm.register() }));
    const results = await Promise.all(targets.map((t) => send(t, message)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fcm.assertions.length).toBe(grants + 1);
  });

  it('429 and 503 are failures that keep the token, each tried once', async () => {
    const send = fcmAdapter({ serviceAccount: account(), apiUrl: fcm.url });
    const target = { address: fcm.register() };
    for (const status of [429, 503] as const) {
      fcm.failNext(status);
      const attempts = fcm.sendAttempts();
      expect(await send(target, message)).toEqual({ ok: false, status, gone: false });
      expect(fcm.sendAttempts()).toBe(attempts + 1);
    }
  });
});

function account() {
  const j = JSON.parse(fcm.serviceAccountJson()) as Record<string, string>;
  return { projectId: j.project_id!, clientEmail: j.client_email!, privateKey: j.private_key!, privateKeyId: j.private_key_id!, tokenUri: j.token_uri! };
}
