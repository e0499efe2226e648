// The push verbs of the phone-app simulator against a real server over a real socket, with the
// example push policy in force on its line.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolDevice, main } from './index.js';
import { silentLogger } from '../../kernel/ports.js';
import { startServer, type RunningServer } from '../../runtime/node/server.js';

const dir = mkdtempSync(join(tmpdir(), 'callgate-push-cli-'));
const policyDir = join(dir, 'policies');
let server: RunningServer;
let env: Record<string, string>;

const tool = async (call_id: string, action: string, args: Record<string, unknown> = {}) => {
  const res = await fetch(`${server.url}/tools/auth_orchestrator`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.config.secrets.tool}`, 'content-type': 'application/json' },
    body: JSON.stringify({ call_id, conversation_id: `conv-${call_id}`, action, ...args }),
  });
  return (await res.json()) as Record<string, any>;
};

async function ring(callId: string) {
  await fetch(`${server.url}/elevenlabs/initiation`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.config.secrets.tool}`, 'content-type': 'application/json' },
    body: JSON.stringify({ call_sid: callId, caller_id: '+14155550193', agent_id: 'agent_1', called_number: '+18005550199' }),
  });
  return tool(callId, 'identify', { account_ref: 'PUSH-0001' });
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env }, out, err };
}

beforeAll(async () => {
  mkdirSync(policyDir);
  copyFileSync('policies/default.yaml', join(policyDir, 'default.yaml'));
  copyFileSync('policies/examples/push.yaml', join(policyDir, 'push.yaml'));
  server = await startServer({ env: { CALLGATE_DB: join(dir, 'callgate.sqlite'), PORT: '0', HOST: '127.0.0.1', CALLGATE_POLICY_DIR: policyDir }, print: () => {}, logger: silentLogger });
  env = { CALLGATE_DB: join(dir, 'callgate.sqlite'), CALLGATE_URL: server.url };
  const created = await fetch(`${server.url}/admin/customers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.config.secrets.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ customer_id: 'cust_push', phones: ['+14155550193'], account_refs: ['PUSH-0001'] }),
  });
  expect(created.status).toBe(201);
  expect((await enrolDevice({ env, customerId: 'cust_push', deviceId: 'push-phone' })).ok).toBe(true);
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run device -- push-*', () => {
  it('push-enrol, then a call offers the push; push-approve with the spoken number authenticates it', async () => {
    const enrol = capture();
    expect(await main(['push-enrol', '--device', 'push-phone'], enrol.io)).toBe(0);
    expect(enrol.out).toEqual(['registered push-phone for pushes (pull)']);
    expect((await ring('CLI1')).next_required_step).toBe('push_send');
    const sent = await tool('CLI1', 'push_send');
    const listen = capture();
    expect(await main(['push-listen', '--device', 'push-phone', '--wait', '1'], listen.io)).toBe(0);
    expect(listen.out[0]).toContain(sent.push_number);
    const approve = capture();
    expect(await main(['push-approve', '--device', 'push-phone', '--number', sent.push_number], approve.io)).toBe(0);
    expect(approve.out[0]).toMatch(/^approved push_\w+ with \d\d/);
    expect(await tool('CLI1', 'push_wait', { wait_seconds: 1 })).toMatchObject({ success: true, privileged_allowed: true });
  });

  it('push-approve with a decoy is refused and says why; push-deny blocks the next call', async () => {
    await ring('CLI2');
    const sent = await tool('CLI2', 'push_send');
    const listened = capture();
    await main(['push-listen', '--device', 'push-phone', '--json'], listened.io);
    const decoy = (JSON.parse(listened.out.join('\n')).challenges[0].choices as string[]).find((n) => n !== sent.push_number)!;
    const wrong = capture();
    expect(await main(['push-approve', '--device', 'push-phone', '--number', decoy], wrong.io)).toBe(1);
    expect(wrong.err[0]).toMatch(/wrong_number.*decoy/);

    await ring('CLI3');
    await tool('CLI3', 'push_send');
    const deny = capture();
    expect(await main(['push-deny', '--device', 'push-phone'], deny.io)).toBe(0);
    expect(await tool('CLI3', 'status')).toMatchObject({ next_required_step: 'transfer_to_human', auth_state: { status: 'blocked' } });
  });

  it('names what is missing', async () => {
    const c = capture();
    expect(await main(['push-approve', '--device', 'push-phone'], c.io)).toBe(2);
    expect(c.err[0]).toMatch(/--number/);
    expect(await main(['push-enrol', '--device', 'push-phone', '--endpoint', 'https://push.example/x'], capture().io)).toBe(2);
  });
});
