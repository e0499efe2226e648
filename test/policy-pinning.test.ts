import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/kernel/ports.js';
import { startServer, StartupError, type RunningServer } from '../src/runtime/node/server.js';
import { ADA } from './helpers/app.js';
import { serverClient } from './helpers/server-client.js';

// A call stays on the policy id and version it started under, across reloads and restarts, over
// a real socket and a real SQLite file.

const dir = mkdtempSync(join(tmpdir(), 'callgate-pinning-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const policies = join(dir, 'policies');
cpSync('policies', policies, { recursive: true });
const nistFile = join(policies, 'nist-aal2.yaml');
const defaultFile = join(policies, 'default.yaml');
const shippedDefault = readFileSync(defaultFile, 'utf8');
// nist-aal2 for one agent: KBA never counts there, while `default` counts kba_advanced.
writeFileSync(nistFile, readFileSync(nistFile, 'utf8').replace(/^applies_to: \{\}$/m, 'applies_to: {agent_ids: [agent_nist]}'));
const nistText = readFileSync(nistFile, 'utf8');

const env = { CALLGATE_DB: join(dir, 'callgate.sqlite'), PORT: '0', HOST: '127.0.0.1', CALLGATE_POLICY_DIR: policies };
const start = () => startServer({ env, print: () => {}, logger: silentLogger });

function client(server: RunningServer) {
  const c = serverClient(server.url, dir);
  const tool = c.tool;
  return {
    ...c,
    ring: (call_sid: string, agent_id: string) => c.ring(call_sid, '+14155550142', agent_id),
    health: async () => (await (await fetch(`${server.url}/healthz`)).json()) as { policies: { id: string; version: number; file?: string }[] },
    async passKba(call_id: string) {
      await tool(call_id, 'identify', { account_ref: 'ac 1001 2002' });
      await tool(call_id, 'kba_question', { level: 'advanced' });
      return tool(call_id, 'kba_verify', { question_id: 'q_deposit', answer: 'two hundred fifty dollars' });
    },
  };
}

describe('policy pinning', () => {
  it('a reload that removes the policy of a call in flight does not weaken that call', async () => {
    const server = await start();
    try {
      const c = client(server);
      expect((await c.admin('POST', '/customers', ADA)).status).toBe(201);
      await c.ring('CAnist', 'agent_nist');
      const kba = await c.passKba('CAnist');
      expect(kba.body).toMatchObject({ success: true, privileged_allowed: false, auth_state: { policy: { id: 'nist-aal2', version: 1 } } });

      unlinkSync(nistFile);
      const reload = await server.reloadPolicies();
      expect(reload.ok).toBe(true);
      expect(reload.inForce.map((p) => p.id)).toEqual(['default']);

      const after = await c.tool('CAnist', 'status');
      expect(after.body).toMatchObject({ privileged_allowed: false, auth_state: { status: 'pending', policy: { id: 'nist-aal2', version: 1 } } });
      expect((await c.post('account_summary', 'CAnist')).body.reason).toBe('not_authenticated');
      // A new call on that agent now gets `default`, where the same KBA answer counts.
      await c.ring('CAnew', 'agent_nist');
      expect((await c.passKba('CAnew')).body).toMatchObject({ privileged_allowed: true, auth_state: { policy: { id: 'default', version: 1 } } });
    } finally {
      await server.close();
    }
  });

  it('a restart still knows a version that is no longer on disk', async () => {
    const server = await start();
    try {
      const c = client(server);
      expect((await c.health()).policies).toEqual([{ id: 'default', version: 1, file: 'default.yaml' }]);
      const status = await c.tool('CAnist', 'status');
      expect(status.body).toMatchObject({ privileged_allowed: false, auth_state: { status: 'pending', policy: { id: 'nist-aal2', version: 1 } } });
    } finally {
      await server.close();
    }
  });

  it('refuses a changed file whose version was not raised, on reload and on restart', async () => {
    writeFileSync(nistFile, nistText);
    const server = await start();
    const changed = shippedDefault.replace('low:    {require: 1, from: [otp, totp, kba_advanced, did]}', 'low:    {require: 1, from: [otp, totp, kba_basic, kba_advanced, did]}');
    expect(changed).not.toBe(shippedDefault);
    try {
      writeFileSync(defaultFile, changed);
      const reload = await server.reloadPolicies();
      expect(reload.ok).toBe(false);
      expect(reload.errors.join('\n')).toMatch(/default\.yaml:4:\d+ version: policy "default" version 1 was already loaded with different rules.*raise version \(to 2\)/);
      expect(server.policies().get('default')!.tiers.low).toEqual({ require: 1, from: ['otp', 'totp', 'kba_advanced', 'did'] });
    } finally {
      await server.close();
    }
    const err = (await start().catch((e: unknown) => e)) as StartupError;
    expect(err).toBeInstanceOf(StartupError);
    expect(err.lines.join('\n')).toMatch(/default\.yaml:4:\d+ version: policy "default" version 1 was already loaded/);

    // Comments and layout are not content: the shipped file with an extra comment still loads.
    writeFileSync(defaultFile, `# a note\n${shippedDefault}`);
    const again = await start();
    await again.close();
  });

  it('a raised version applies to new calls while calls in flight keep theirs', async () => {
    writeFileSync(defaultFile, shippedDefault);
    const server = await start();
    try {
      const c = client(server);
      await c.ring('CAold', 'agent_other');
      writeFileSync(defaultFile, shippedDefault.replace('version: 1', 'version: 2').replace('medium: {require: 2', 'medium: {require: 3'));
      expect((await server.reloadPolicies()).ok).toBe(true);
      expect((await c.health()).policies).toContainEqual({ id: 'default', version: 2, file: 'default.yaml' });
      expect((await c.tool('CAold', 'status')).body.auth_state.policy).toEqual({ id: 'default', version: 1 });
      await c.ring('CAv2', 'agent_other');
      expect((await c.tool('CAv2', 'status')).body.auth_state.policy).toEqual({ id: 'default', version: 2 });
    } finally {
      await server.close();
    }
  });

  it('a process serves a call created under a version only another process has loaded', async () => {
    writeFileSync(defaultFile, shippedDefault);
    writeFileSync(nistFile, nistText);
    const a = await start(); // knows default v1, v2 and nist-aal2 v1
    const other = join(dir, 'policies-b');
    cpSync(policies, other, { recursive: true });
    writeFileSync(join(other, 'nist-aal2.yaml'), nistText.replace(/^version: 1$/m, 'version: 3'));
    const b = await startServer({ env: { ...env, CALLGATE_POLICY_DIR: other }, print: () => {}, logger: silentLogger });
    try {
      await client(b).ring('CAshared', 'agent_nist');
      const kba = await client(a).passKba('CAshared');
      expect(kba.body).toMatchObject({ privileged_allowed: false, auth_state: { status: 'pending', policy: { id: 'nist-aal2', version: 3 } } });
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('a call whose version cannot be found anywhere is handed to a human, never given a looser policy', async () => {
    const sqlite = new Database(env.CALLGATE_DB);
    sqlite.prepare("update calls set policy_id = 'vanished', policy_version = 7 where id = 'CAnist'").run();
    sqlite.close();
    const server = await start();
    try {
      const c = client(server);
      const status = await c.tool('CAnist', 'status');
      expect(status.body).toMatchObject({
        privileged_allowed: false,
        next_required_step: 'transfer_to_human',
        auth_state: { status: 'handed_off', policy: { id: 'vanished', version: 7 } },
      });
      expect((await c.post('account_summary', 'CAnist')).status).toBe(403);
    } finally {
      await server.close();
    }
  });
});
