// APNs delivery end to end: a real callgate started from its environment (its node:http2
// transport), a phone enrolled with the device simulator, and a local APNs speaking Apple's
// provider API over HTTP/2 on a real socket.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeApns, type FakeApns } from '../../../../test/fakes/apns.js';
import { expectNoSecrets, startPushServer, type PushServer } from '../../../../test/helpers/push-server.js';
import { http2Transport } from '../../../runtime/node/apns-http2.js';
import { apnsAdapter, PROVIDER_TOKEN_SECONDS } from './apns.js';

let apns: FakeApns;
beforeAll(async () => {
  apns = await startFakeApns();
});
afterAll(() => apns.close());

const env = () => ({
  CALLGATE_APNS_KEY: apns.p8,
  CALLGATE_APNS_KEY_ID: apns.keyId,
  CALLGATE_APNS_TEAM_ID: apns.teamId,
  CALLGATE_APNS_TOPIC: apns.topic,
  CALLGATE_APNS_ORIGIN: apns.url,
});

let s: PushServer;
let deviceToken: string;
beforeEach(async () => {
  s = await startPushServer(env());
  deviceToken = apns.register();
  expect(await s.pushEnrol([`--apns-token=${deviceToken}`])).toEqual({ code: 0, out: ['registered ada-phone for pushes (apns)'] });
});
afterEach(() => s.close());

const ofType = <E extends { type: string }>(events: E[], type: string) => events.filter((e) => e.type === type);

describe('APNs delivery through the running server', () => {
  it('a push challenge reaches APNs over HTTP/2 as a time-limited alert naming it, signed with the team key', async () => {
    const before = apns.deliveries.length;
    await s.pushSend('A1');
    expect(apns.deliveries).toHaveLength(before + 1);
    const d = apns.deliveries.at(-1)!;
    expect(d.deviceToken).toBe(deviceToken);
    expect(d.headers).toMatchObject({ 'apns-topic': apns.topic, 'apns-push-type': 'alert', 'apns-priority': '10', 'apns-collapse-id': 'callgate.push' });
    const expiration = Number(d.headers['apns-expiration']);
    expect(expiration).toBeGreaterThan(Date.now() / 1000);
    expect(expiration).toBeLessThanOrEqual(Date.now() / 1000 + 61);
    expect(d.payload.aps).toMatchObject({ 'mutable-content': 1, alert: { 'title-loc-key': 'callgate.push.title', 'loc-key': 'callgate.push.body' } });
    // The wake-up: which challenge, until when; the choices and the nonce come from the pull channel.
    expect(Object.keys(d.payload).sort()).toEqual(['aps', 'challenge_id', 'expires_at', 'type']);
    const events = await s.events('A1');
    expect(d.payload.challenge_id).toBe(ofType(events, 'push_sent')[0]!.challenge_id);
    expect(ofType(events, 'push_delivered')).toEqual([expect.objectContaining({ transport: 'apns', status: 200 })]);
  });

  it('one provider token serves many sends; an expired one is replaced once and the send retried once', async () => {
    const first = await s.pushSend('A2');
    const tokens = new Set(apns.providerTokens);
    await s.approve(String(first.push_number));
    const second = await s.pushSend('A3');
    expect(ofType(await s.events('A3'), 'push_delivered')).toHaveLength(1);
    const used = apns.deliveries.slice(-2).map((d) => d.providerToken);
    expect(used[0]).toBe(used[1]);
    await s.approve(String(second.push_number));

    apns.expireProviderTokens();
    const refused = apns.refusals.length;
    await s.pushSend('A4');
    expect(apns.refusals.slice(refused)).toEqual(['ExpiredProviderToken']);
    expect(ofType(await s.events('A4'), 'push_delivered')).toEqual([expect.objectContaining({ status: 200 })]);
    const fresh = [...apns.providerTokens].filter((t) => !tokens.has(t));
    expect(fresh).toHaveLength(1);
    expect(apns.deliveries.at(-1)!.providerToken).toBe(fresh[0]);
  });

  it('a token APNs says is unregistered (410) is dropped; the device keeps the pull channel', async () => {
    apns.unregister(deviceToken);
    await s.pushSend('A5');
    expect(ofType(await s.events('A5'), 'push_delivery_failed')).toEqual([expect.objectContaining({ transport: 'apns', status: 410, gone: true })]);
    expect(await s.target()).toEqual({ transport: 'pull', target: null });
  });

  it('registration refuses a device token that is not hex with a 400 naming the field', async () => {
    for (const bad of ['abc', 'zz'.repeat(32), `${deviceToken}/../x`]) {
      const r = await s.pushEnrol([`--apns-token=${bad}`]);
      expect(r.code).toBe(1);
      expect(r.out.join('\n')).toMatch(/address/);
    }
    expect(await s.target()).toEqual({ transport: 'apns', target: JSON.stringify({ address: deviceToken }) });
  });

  it('no .p8 key or provider token in any answer, log line, printed line, event or table', async () => {
    const first = await s.pushSend('A6');
    await s.approve(String(first.push_number));
    apns.unregister(deviceToken);
    await s.pushSend('A7');
    expect(ofType(await s.events('A7'), 'push_delivery_failed')).toHaveLength(1);
    const keyLines = apns.p8.split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
    const needles = [...keyLines, ...apns.providerTokens, ...[...apns.providerTokens].map((t) => t.split('.')[2]!)];
    expect(needles.length).toBeGreaterThan(3);
    expectNoSecrets({ responses: s.responses, logs: s.logs, printed: s.printed, tables: await s.tables() }, needles, expect);
  });
});

describe('the APNs adapter against the fake', () => {
  const message = { payload: { type: 'callgate.push', challenge_id: 'push_x', expires_at: new Date().toISOString() }, ttlSeconds: 30 };
  const adapter = (nowSeconds?: () => number) => {
    const transport = http2Transport();
    const send = apnsAdapter({ key: apns.p8, keyId: apns.keyId, teamId: apns.teamId, topic: apns.topic, origin: apns.url, transport: transport.send, ...(nowSeconds ? { nowSeconds } : {}) });
    return { send, close: transport.close };
  };

  it('a token APNs never issued (400 BadDeviceToken) is gone; a wrong topic is a failure that keeps it', async () => {
    const { send, close } = adapter();
    expect(await send({ address: 'ab'.repeat(32) }, message)).toEqual({ ok: false, status: 400, gone: true });
    const other = http2Transport();
    const wrongTopic = apnsAdapter({ key: apns.p8, keyId: apns.keyId, teamId: apns.teamId, topic: 'com.other.app', origin: apns.url, transport: other.send });
    expect(await wrongTopic({ address: apns.register() }, message)).toEqual({ ok: false, status: 400, gone: false });
    expect(apns.refusals.at(-1)).toBe('DeviceTokenNotForTopic');
    other.close();
    close();
  });

  it('concurrent sends share one provider token, and a new one is made only after 50 minutes', async () => {
    let now = Math.floor(Date.now() / 1000) - PROVIDER_TOKEN_SECONDS - 10;
    const { send, close } = adapter(() => now);
    const targets = Array.from({ length: 4 }, () => ({ address: apns.register() }));
    const from = apns.deliveries.length;
    expect((await Promise.all(targets.map((t) => send(t, message)))).every((r) => r.ok)).toBe(true);
    const used = new Set(apns.deliveries.slice(from).map((d) => d.providerToken));
    expect(used.size).toBe(1);
    now += PROVIDER_TOKEN_SECONDS;
    await send(targets[0]!, message);
    expect(apns.deliveries.at(-1)!.providerToken).not.toBe([...used][0]);
    close();
  });
});
