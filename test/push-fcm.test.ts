// A push approval delivered through FCM by the running server, on either runtime (Node, or the
// worker under workerd with CALLGATE_TEST_RUNTIME=worker): the worker's fetch, WebCrypto for the
// service-account JWT, and delivery in the background after the answer (waitUntil on Workers).
// The fake speaks Google's wire format on a real socket; the adapter's finer cases are in
// src/factors/push/delivery/fcm.test.ts.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { enrolDevice, main } from '../src/cli/device/index.js';
import { silentLogger } from '../src/kernel/ports.js';
import { startFakeFcm, type FakeFcm } from './fakes/fcm.js';
import { onWorker, startTestServer, type TestServer } from './helpers/runtime.js';
import { serverClient } from './helpers/server-client.js';

const dir = mkdtempSync(join(tmpdir(), 'callgate-push-fcm-'));
const policies = join(dir, 'policies');
mkdirSync(policies);
copyFileSync('policies/default.yaml', join(policies, 'default.yaml'));
copyFileSync('policies/examples/push.yaml', join(policies, 'push.yaml'));

let fcm: FakeFcm;
let server: TestServer;
let c: ReturnType<typeof serverClient>;
let cliEnv: Record<string, string>;
beforeAll(async () => {
  fcm = await startFakeFcm();
  const env = { CALLGATE_DB: join(dir, 'callgate.sqlite'), PORT: '0', HOST: '127.0.0.1', CALLGATE_POLICY_DIR: policies };
  server = await startTestServer({
    env: { ...env, CALLGATE_FCM_SERVICE_ACCOUNT: fcm.serviceAccountJson(), CALLGATE_FCM_API_URL: fcm.url },
    print: () => {},
    logger: silentLogger,
  });
  c = serverClient(server.url, dir);
  cliEnv = { CALLGATE_DB: env.CALLGATE_DB, CALLGATE_URL: server.url };
  expect((await c.admin('POST', '/customers', { customer_id: 'cust_push', phones: ['+14155550193'], account_refs: ['PUSH-0001'] })).status).toBe(201);
  const enrolled = await enrolDevice({ env: cliEnv, customerId: 'cust_push', deviceId: 'ada-phone' });
  expect(enrolled.ok).toBe(true);
}, 120_000);
afterAll(async () => {
  await server?.close();
  await fcm?.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = async (args: string[]) => {
  const out: string[] = [];
  const code = await main([...args, '--device', 'ada-phone'], { out: (l) => out.push(l), err: (l) => out.push(l), env: cliEnv });
  return { code, out };
};
const events = async (callId: string) => (await c.admin('GET', `/calls/${callId}`)).body.events as { type: string; [k: string]: unknown }[];
async function pushSend(callId: string) {
  // The example push policy applies to this called number.
  await c.initiation({ call_sid: callId, caller_id: '+14155550193', agent_id: 'agent_1', called_number: '+18005550199' });
  expect((await c.tool(callId, 'identify', { account_ref: 'PUSH-0001' })).body.next_required_step).toBe('push_send');
  return (await c.tool(callId, 'push_send')).body;
}

describe(`FCM delivery on ${onWorker ? 'the worker' : 'Node'}`, () => {
  it('delivers the wake-up to FCM, records push_delivered, and the push is approved', async () => {
    const token = fcm.register();
    expect((await cli(['push-enrol', `--fcm-token=${token}`])).out).toEqual(['registered ada-phone for pushes (fcm)']);
    const sent = await pushSend('FW1');
    expect(sent.success).toBe(true);
    // Delivery runs after the answer: wait for the event rather than for the server.
    await vi.waitFor(async () => expect((await events('FW1')).map((e) => e.type)).toContain('push_delivered'), { timeout: 10_000 });
    const msg = fcm.messages.at(-1)!;
    expect(msg.token).toBe(token);
    expect(msg.data.challenge_id).toBe((await events('FW1')).find((e) => e.type === 'push_sent')!.challenge_id);
    expect((await cli(['push-approve', '--number', String(sent.push_number), '--wait', '1'])).code).toBe(0);
    expect((await c.tool('FW1', 'status')).body.privileged_allowed).toBe(true);
  });

  it('drops a token FCM calls unregistered, and the next push goes by the pull channel alone', async () => {
    const token = fcm.register();
    await cli(['push-enrol', `--fcm-token=${token}`]);
    fcm.unregister(token);
    const delivered = fcm.messages.length;
    const sent = await pushSend('FW2');
    await vi.waitFor(async () => expect((await events('FW2')).find((e) => e.type === 'push_delivery_failed')).toMatchObject({ transport: 'fcm', status: 404, gone: true }), {
      timeout: 10_000,
    });
    await cli(['push-approve', '--number', String(sent.push_number), '--wait', '1']);
    const attempts = fcm.sendAttempts();
    const next = await pushSend('FW3');
    // The device is back to its own long-poll: the app still gets the push there and approves it,
    // and FCM is not even asked (a kept token would have been tried, and refused, by now).
    expect((await cli(['push-approve', '--number', String(next.push_number), '--wait', '1'])).code).toBe(0);
    expect(fcm.sendAttempts()).toBe(attempts);
    expect(fcm.messages.length).toBe(delivered);
    expect((await events('FW3')).map((e) => e.type)).not.toContain('push_delivery_failed');
  });
});
