import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/kernel/ports.js';
import { startServer, type RunningServer } from '../src/runtime/node/server.js';
import { fakeClock } from './helpers/clock.js';

const dir = mkdtempSync(join(tmpdir(), 'callgate-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'callgate.sqlite');
const env = { CALLGATE_DB: db, PORT: '0', HOST: '127.0.0.1', CALLGATE_POLICY_DIR: 'policies' };
const clock = fakeClock();
const DAY = 86_400_000;

const send = (server: RunningServer, path: string, body: unknown) =>
  server.app.request(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.config.secrets.tool}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const callIds = () => {
  const sqlite = new Database(db, { readonly: true });
  try {
    return (sqlite.prepare('select id from calls order by id').all() as { id: string }[]).map((r) => r.id);
  } finally {
    sqlite.close();
  }
};

describe('the Node server purges by CALLGATE_RETENTION_DAYS', () => {
  it('at start-up: old terminal calls go, pending ones stay; 0 keeps everything', async () => {
    let server = await startServer({ env, clock, logger: silentLogger, print: () => {} });
    for (const id of ['CAold', 'CApending']) {
      await send(server, '/elevenlabs/initiation', { call_sid: id, caller_id: '+15550001111', agent_id: 'a', called_number: '+18005550100' });
    }
    await send(server, '/tools/auth_orchestrator', { call_id: 'CAold', conversation_id: 'conv-old', action: 'handoff' });
    await server.close();
    clock.advance(31 * DAY);

    server = await startServer({ env: { ...env, CALLGATE_RETENTION_DAYS: '0' }, clock, logger: silentLogger, print: () => {} });
    await server.close();
    expect(callIds()).toEqual(['CAold', 'CApending']);

    server = await startServer({ env: { ...env, CALLGATE_RETENTION_DAYS: '30' }, clock, logger: silentLogger, print: () => {} });
    await server.close(); // waits for the purge it started
    expect(callIds()).toEqual(['CApending']);
    const sqlite = new Database(db, { readonly: true });
    const events = sqlite.prepare("select call_id, type, data from events where type = 'retention_purged' or call_id = 'CAold'").all() as { type: string; data: string }[];
    sqlite.close();
    expect(events.map((e) => e.type)).toEqual(['retention_purged']);
    expect(JSON.parse(events[0]!.data)).toMatchObject({ calls: 1, retention_days: 30 });
  });
});
