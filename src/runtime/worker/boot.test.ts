import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { bootWorker, WorkerStartupError } from './boot.js';
import type { WorkerEnv } from './env.js';
import { EVERY_MINUTE, runSweeps } from './sweeps.js';
import { send, SECRETS } from './test-client.js';

const bindings = env as unknown as WorkerEnv;

describe('the worker at start', () => {
  it('serves the bundled policies, parsed and pinned like the Node server pins them', async () => {
    const health = await send('GET', '/healthz', 'none');
    expect(health.body).toEqual({
      ok: true,
      policies: [
        { id: 'default', version: 1, file: 'default.yaml' },
        { id: 'nist-aal2', version: 1, file: 'nist-aal2.yaml' },
      ],
    });
    const rows = await bindings.DB.prepare('SELECT policy_id, version FROM policy_versions ORDER BY policy_id').all();
    expect(rows.results).toEqual([
      { policy_id: 'default', version: 1 },
      { policy_id: 'nist-aal2', version: 1 },
    ]);
  });

  it('refuses a bad environment with the same lines as Node, naming each variable', async () => {
    const err = await bootWorker({ ...bindings, PORT: 'eighty', CALLGATE_OTP_DELIVERY: 'pigeon' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerStartupError);
    const lines = (err as WorkerStartupError).lines;
    expect(lines.some((l) => l.startsWith('PORT: must be an integer'))).toBe(true);
    expect(lines.some((l) => l.startsWith('CALLGATE_OTP_DELIVERY:'))).toBe(true);
    expect(lines.join('\n')).not.toContain(SECRETS.tool);
  });

  it('refuses production without its secrets, and a policy file that changes a recorded version', async () => {
    const prod = await bootWorker({ ...bindings, NODE_ENV: 'production', CALLGATE_TOOL_SECRET: '' }).catch((e: unknown) => e);
    expect((prod as WorkerStartupError).lines).toContain('CALLGATE_TOOL_SECRET: required in production (at least 32 characters)');
    const health = await send('GET', '/healthz', 'none');
    expect(health.status).toBe(200); // the default policy v1 is recorded now
    const changed = `id: default\nversion: 1\ntiers:\n  low: {require: 1, from: [otp]}\n  medium: {require: 2, from: [otp, kba_basic]}\n  high: {handoff: true}\n`;
    const err = await bootWorker({ ...bindings, POLICY_FILES: JSON.stringify({ 'default.yaml': changed }) }).catch((e: unknown) => e);
    expect((err as WorkerStartupError).lines.join('\n')).toMatch(/default\.yaml:2:\d+ version: policy "default" version 1 is already recorded with different rules/);
  });
});

describe('the every-minute cron', () => {
  it('times out a session nobody polls, records it, and wakes its object', async () => {
    let now = Date.now();
    const rt = await bootWorker(bindings, { now: () => now });
    const created = await rt.app.fetch(
      new Request('http://callgate.test/ivr/sessions', {
        method: 'POST',
        headers: { authorization: `Bearer ${SECRETS.ivr}`, 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'genesys', callId: 'cron-1', ani: '+14155550199' }),
      }),
    );
    const session = (await created.json()) as { sessionId: string; ttlSeconds: number };
    now += session.ttlSeconds * 1000 + 1;
    await runSweeps(rt, EVERY_MINUTE);
    const row = await bindings.DB.prepare('SELECT status FROM did_sessions WHERE id = ?').bind(session.sessionId).first();
    expect(row).toEqual({ status: 'timeout' });
    const events = await bindings.DB.prepare("SELECT type FROM events WHERE call_id = 'genesys:cron-1' ORDER BY id").all();
    expect(events.results.map((e) => e.type)).toContain('timeout');
    const woken = await runInDurableObject(bindings.CALLS.getByName('call:genesys:cron-1'), (_, s) => s.storage.get(`wake:did:${session.sessionId}`));
    expect(woken).toBeTypeOf('number');
  });
});
