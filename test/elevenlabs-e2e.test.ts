// End to end: push through the real SDK into the local ElevenLabs fake, then play a phone call
// whose every request is built from what was pushed (the fake's stored initiation setting, agent,
// workflow and tool configs, headers resolved from its secret store), against callgate over a real
// socket and a real SQLite file; finally ElevenLabs' signed post-call webhook ends the call.
//
// callgate is served here with createApp + @hono/node-server rather than startServer, because
// startServer does not (yet) hand ELEVENLABS_WEBHOOK_SECRET to createApp.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createKeys } from '../src/crypto/keys.js';
import { silentLogger } from '../src/kernel/ports.js';
import { DEFAULT_AGENT_NAME, POST_CALL_PATH } from '../src/elevenlabs/configs.js';
import { NODE } from '../src/elevenlabs/workflow.js';
import { push } from '../src/elevenlabs/push.js';
import { ELEVENLABS_SIGNATURE_HEADER, signElevenLabsBody } from '../src/elevenlabs/webhook-signature.js';
import { createConsoleSender, DevOutbox } from '../src/providers/otp/index.js';
import { openSqlite, type OpenedSqlite } from '../src/runtime/node/sqlite.js';
import { startFakeElevenLabs, type FakeElevenLabs } from './fakes/elevenlabs.js';
import { SimulatedConversation } from './fakes/elevenlabs-runtime.js';
import { ADA, SECRET_KEY, SECRETS, testPolicies } from './helpers/app.js';

const WEBHOOK_SECRET = 'wsec_e2e_0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'callgate-el-e2e-'));

let fake: FakeElevenLabs;
let sqlite: OpenedSqlite;
let server: ServerType;
let url = '';
const outbox = new DevOutbox();

beforeAll(async () => {
  fake = await startFakeElevenLabs();
  sqlite = openSqlite(join(dir, 'callgate.sqlite'));
  const deps = {
    db: sqlite.db,
    secrets: SECRETS,
    keys: await createKeys(SECRET_KEY),
    policies: () => policies,
    otpSender: createConsoleSender({ outbox, clock: { now: () => Date.now() }, write: () => {} }),
    outbox,
    logger: silentLogger,
    elevenlabs: { webhookSecret: WEBHOOK_SECRET },
  };
  const policies = testPolicies();
  const { app } = createApp(deps);
  server = await new Promise<ServerType>((ready) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()));
  sqlite.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const admin = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${url}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${SECRETS.admin}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

describe('ElevenLabs end to end: push, then a phone call built from what was pushed', () => {
  it('pushes through the real SDK, plays a verified call and ends it with the post-call webhook', async () => {
    // 1. Registration, as `npm run elevenlabs -- push` does it.
    const client = new ElevenLabsClient({ apiKey: fake.apiKey, baseUrl: fake.url, maxRetries: 0 });
    const pushed = await push({ client, publicUrl: url, toolSecret: SECRETS.tool });
    expect(pushed.changed).toBe(true);
    expect(fake.requests.every((r) => r.status === 200)).toBe(true);
    expect(fake.writes().filter((r) => r.path !== '/v1/convai/secrets').map((r) => r.rawBody).join('\n')).not.toContain(SECRETS.tool);

    expect((await admin('POST', '/customers', ADA)).status).toBe(201);

    // 2. A Twilio call rings: ElevenLabs calls the initiation webhook it was configured with.
    const conv = await SimulatedConversation.ring(fake, DEFAULT_AGENT_NAME, {
      callSid: 'CAel2e0000000000000000000000000001',
      conversationId: 'conv_el_e2e_1',
      callerId: '+14155550142',
      calledNumber: '+18005550100',
    });
    expect(conv.vars).toMatchObject({ auth_call_id: 'CAel2e0000000000000000000000000001', auth_privileged_allowed: false, auth_next_step: 'identify' });
    expect(conv.node).toBe(NODE.preAuth);
    // Before verification the agent has the pre-auth tool and nothing else.
    expect(conv.availableToolNames()).toEqual(['auth_orchestrator']);
    await expect(conv.callTool('account_summary')).rejects.toThrow(/not available/);
    // Identity is bound by the platform, never by the LLM.
    await expect(conv.callTool('auth_orchestrator', { action: 'status', call_id: 'CAother' })).rejects.toThrow(/cannot fill/);

    // 3. The agent follows next_required_step; every request is built from the pushed tool config.
    const status = await conv.callTool('auth_orchestrator', { action: 'status' });
    expect(status.body).toMatchObject({ success: true, next_required_step: 'identify', privileged_allowed: false });
    const identified = await conv.callTool('auth_orchestrator', { action: 'identify', account_ref: 'AC-1001-2002' });
    expect(identified.body).toMatchObject({ success: true, next_required_step: 'otp_send', privileged_allowed: false });
    const sent = await conv.callTool('auth_orchestrator', { action: 'otp_send', channel: 'sms' });
    expect(sent.body).toMatchObject({ success: true, next_required_step: 'otp_verify' });
    expect(conv.node).toBe(NODE.preAuth);

    const code = (await admin('GET', '/outbox')).body.messages[0].code as string;
    const wrong = await conv.callTool('auth_orchestrator', { action: 'otp_verify', code: code === '000000' ? '111111' : '000000' });
    expect(wrong.body).toMatchObject({ success: false, reason: 'wrong_code', privileged_allowed: false });
    expect(conv.node).toBe(NODE.preAuth);

    const verified = await conv.callTool('auth_orchestrator', { action: 'otp_verify', code });
    expect(verified.body).toMatchObject({ success: true, privileged_allowed: true, next_required_step: 'none' });
    // The assignment copied privileged_allowed; the expression edge moved the call to the post-auth node.
    expect(conv.vars).toMatchObject({ auth_privileged_allowed: true, auth_next_step: 'none', auth_status: 'authenticated' });
    expect(conv.visited).toEqual([NODE.start, NODE.preAuth, NODE.postAuth]);
    expect(conv.availableToolNames()).toEqual(['auth_orchestrator', 'account_summary', 'transfer_funds', 'update_card_limit']);

    const summary = await conv.callTool('account_summary');
    expect(summary).toMatchObject({ status: 200, body: { success: true } });

    // Every tool request went to callgate with the bearer the fake resolved from its secret store,
    // and carried the platform's call SID and conversation id.
    for (const r of conv.sent) {
      expect(r.url.startsWith(url)).toBe(true);
      expect(r.headers.Authorization).toBe(`Bearer ${SECRETS.tool}`);
      expect(r.body).toMatchObject({ call_id: 'CAel2e0000000000000000000000000001', conversation_id: 'conv_el_e2e_1' });
    }

    // 4. The call ends; ElevenLabs posts the signed transcription webhook.
    const event = JSON.stringify({
      type: 'post_call_transcription',
      event_timestamp: Math.floor(Date.now() / 1000),
      data: {
        agent_id: pushed.agentId,
        conversation_id: 'conv_el_e2e_1',
        status: 'done',
        transcript: [],
        metadata: { call_duration_secs: 42, phone_call: { type: 'twilio', call_sid: 'CAel2e0000000000000000000000000001' } },
        conversation_initiation_client_data: { dynamic_variables: conv.vars },
      },
    });
    const unsigned = await fetch(`${url}${POST_CALL_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: event });
    expect(unsigned.status).toBe(401);
    const res = await fetch(`${url}${POST_CALL_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [ELEVENLABS_SIGNATURE_HEADER]: await signElevenLabsBody(WEBHOOK_SECRET, event, Math.floor(Date.now() / 1000)),
      },
      body: event,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, call_id: 'CAel2e0000000000000000000000000001', status: 'ended' });

    const trail = await admin('GET', '/calls/CAel2e0000000000000000000000000001');
    expect(trail.body.auth_state.status).toBe('ended');
    const outcome = (trail.body.events as { type: string; [k: string]: unknown }[]).find((e) => e.type === 'call_outcome');
    expect(outcome).toMatchObject({ authenticated: true, contained: true, handed_off: false, call_duration_secs: 42 });
    expect(JSON.stringify(outcome)).toMatch(/"time_to_verify_ms":\d+/);

    // An ended call opens nothing again.
    const after = await conv.callTool('account_summary');
    expect(after.status).toBe(403);
  });
});
