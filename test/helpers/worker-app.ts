// The HTTP face of makeTestApp over the Cloudflare worker (CALLGATE_TEST_RUNTIME=worker): the
// same secrets and shipped policies, requests over a real socket to workerd, and the worker's
// local D1 database (a real SQLite file) opened beside it for what a test seeds or reads directly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { d1FileIn, startWorkerServer } from '../../src/runtime/worker-dev/launch.js';
import type { Db } from '../../src/store/db.js';
import { createLedgerStore } from '../../src/store/ledger.js';
import * as schema from '../../src/store/schema/index.js';
import { SECRET_KEY, SECRETS, type TestApp } from './app.js';

/** What the HTTP suites use of a TestApp, on either runtime. */
export type HttpTestApp = Pick<TestApp, 'send' | 'initiation' | 'tool' | 'post' | 'admin' | 'ivr' | 'appPost' | 'ledger' | 'close'> & {
  app: { request(path: string, init?: RequestInit): Response | Promise<Response> };
};

export async function makeWorkerTestApp(): Promise<HttpTestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'callgate-worker-app-'));
  const server = await startWorkerServer({
    env: {
      CALLGATE_DB: join(dir, 'callgate.sqlite'),
      CALLGATE_POLICY_DIR: 'policies',
      PORT: '0',
      HOST: '127.0.0.1',
      CALLGATE_TOOL_SECRET: SECRETS.tool,
      CALLGATE_IVR_SECRET: SECRETS.ivr,
      CALLGATE_ADMIN_TOKEN: SECRETS.admin,
      CALLGATE_SECRET_KEY: SECRET_KEY,
    },
    print: () => {},
    logLevel: 'error',
  });
  const sqlite = new Database(d1FileIn(server.persistDir!));
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite, { schema }) as unknown as Db;
  const request = (path: string, init?: RequestInit) => fetch(server.url + path, init);
  async function send(method: string, path: string, body: unknown, token: string) {
    const res = await request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: JSON.parse(await res.text()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }
  return {
    app: { request },
    send,
    initiation: (body) => send('POST', '/elevenlabs/initiation', body, SECRETS.tool),
    tool: (call_id, action, args = {}) =>
      send('POST', '/tools/auth_orchestrator', { call_id, conversation_id: `conv-${call_id}`, action, ...args }, SECRETS.tool),
    post: (tool, call_id, args = {}) => send('POST', `/tools/post/${tool}`, { call_id, conversation_id: `conv-${call_id}`, ...args }, SECRETS.tool),
    admin: (method, path, body) => send(method, `/admin${path}`, body, SECRETS.admin),
    ivr: (method, path, body) => send(method, `/ivr${path}`, body, SECRETS.ivr),
    appPost: (path, body) => send('POST', `/app${path}`, body, 'none'),
    ledger: createLedgerStore(db),
    // A promise (vitest awaits what an after-hook returns): workerd is gone when it resolves.
    close: async () => {
      sqlite.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
