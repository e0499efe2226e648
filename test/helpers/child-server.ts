// callgate as a real child process (`npm start`'s entry) on a real SQLite file, for crash tests:
// it can be killed with SIGKILL mid-request and started again on the same file.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEntries } from '../../scripts/build.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// The entry `npm start` runs, compiled once per test process the way `npm run build` does: a
// crash test starts many servers, and a TypeScript loader costs seconds per start on a busy machine.
const BUILD_DIR = `.crash-test-${process.pid}`;
let built: Promise<string> | undefined;
const entry = () => (built ??= buildEntries({ 'src/runtime/node/index.ts': `${BUILD_DIR}/node.mjs` }).then(([file]) => file!));

const live = new Set<ChildProcess>();

/** After a test file: kills any server still running (a failed test may leave one) and removes the build. */
export function cleanUpChildServers(): void {
  for (const child of live) child.kill('SIGKILL');
  rmSync(join(ROOT, 'dist', BUILD_DIR), { recursive: true, force: true });
}

/** Fixed development secrets, so every process on the same file hashes and seals alike. */
export const CHILD_SECRETS = {
  CALLGATE_TOOL_SECRET: 'child-tool-secret-0123456789abcdef',
  CALLGATE_IVR_SECRET: 'child-ivr-secret-0123456789abcdef',
  CALLGATE_ADMIN_TOKEN: 'child-admin-token-0123456789abcdef',
  CALLGATE_SECRET_KEY: 'child-secret-key-0123456789abcdef0123',
};

/**
 * The shipped policies, copied into `dir` with the cross-call limits (sends per destination,
 * calls per caller ID) raised to the most the schema allows: crash tests play many calls from a
 * few numbers in seconds, and they test durability, not flood limits. Returns the folder for
 * CALLGATE_POLICY_DIR.
 */
export function crashTestPolicies(dir: string): string {
  const out = join(dir, 'policies');
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(join(ROOT, 'policies')).filter((f) => f.endsWith('.yaml'))) copyFileSync(join(ROOT, 'policies', f), join(out, f));
  const shipped = readFileSync(join(out, 'default.yaml'), 'utf8');
  const raised = shipped
    .replace(/sends_per_destination: \{max: \d+/, 'sends_per_destination: {max: 100')
    .replace(/sends_per_destination_per_day: \d+/, 'sends_per_destination_per_day: 1000')
    .replace(/calls_per_caller_id: \{max: \d+/, 'calls_per_caller_id: {max: 10000');
  if (raised === shipped) throw new Error('policies/default.yaml changed shape: update crashTestPolicies');
  writeFileSync(join(out, 'default.yaml'), raised);
  return out;
}

export interface ChildServer {
  url: string;
  pid: number;
  /** Everything the process wrote (banner, JSON log lines), for failure messages. */
  output(): string;
  /** Resolves when the process has exited, with its exit code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** `kill -9`: no handler runs, nothing is flushed or closed. */
  kill9(): Promise<void>;
  /** SIGTERM and wait (a clean shutdown). */
  stop(): Promise<void>;
}

/** The inherited environment minus anything callgate reads, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('CALLGATE_') || k.startsWith('TWILIO_') || k.startsWith('VOXEQ_') || k.startsWith('ELEVENLABS_')) continue;
    if (k === 'NODE_ENV' || k === 'PORT' || k === 'HOST' || k.startsWith('VITEST') || k === 'TEST') continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

export async function startChildServer(db: string, extra: Record<string, string> = {}, timeoutMs = 60_000): Promise<ChildServer> {
  const child: ChildProcess = spawn(process.execPath, [await entry()], {
    cwd: ROOT,
    env: childEnv({
      ...CHILD_SECRETS,
      CALLGATE_DB: db,
      CALLGATE_POLICY_DIR: join(ROOT, 'policies'),
      PORT: '0',
      HOST: '127.0.0.1',
      ...extra,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      done({ code, signal });
    }),
  );
  const url = await new Promise<string>((ready, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`callgate did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /callgate listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ready(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`callgate exited before listening (code ${code}, signal ${signal}):\n${out}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    output: () => out,
    exited,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Answer {
  status: number;
  body: Record<string, any>;
}

/** A JSON client for one server URL; a request the dying server never answers rejects. */
export function childClient(url: string) {
  const call = async (method: string, path: string, token: string, body?: unknown): Promise<Answer> => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const tool = CHILD_SECRETS.CALLGATE_TOOL_SECRET;
  const admin = CHILD_SECRETS.CALLGATE_ADMIN_TOKEN;
  return {
    initiation: (call_sid: string, caller_id: string) =>
      call('POST', '/elevenlabs/initiation', tool, { call_sid, caller_id, agent_id: 'agent_1', called_number: '+18005550100' }),
    /** One auth_orchestrator call; conversation `conv-<call_id>`. */
    tool: (call_id: string, action: string, args: Record<string, unknown> = {}) =>
      call('POST', '/tools/auth_orchestrator', tool, { call_id, conversation_id: `conv-${call_id}`, action, ...args }),
    post: (name: string, call_id: string, args: Record<string, unknown> = {}) =>
      call('POST', `/tools/post/${name}`, tool, { call_id, conversation_id: `conv-${call_id}`, ...args }),
    admin: (method: string, path: string, body?: unknown) => call(method, `/admin${path}`, admin, body),
    /** The code the dev outbox holds for this call (newest first), if any. */
    async codeFor(callId: string): Promise<string | undefined> {
      const box = await call('GET', '/admin/outbox', admin);
      return (box.body.messages as { call_id: string; code: string }[]).find((m) => m.call_id === callId)?.code;
    },
  };
}

export type ChildClient = ReturnType<typeof childClient>;
