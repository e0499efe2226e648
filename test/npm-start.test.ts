// `npm start` as a person runs it, in a child process: the signals the README documents reach the
// server (not npm), and stopping leaves no process behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'callgate-npm-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const policies = join(dir, 'policies');
cpSync(join(ROOT, 'policies'), policies, { recursive: true });
const pidFile = join(dir, 'callgate.pid');

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(CALLGATE_|TWILIO_|VOXEQ_|ELEVENLABS_|npm_)/.test(k) || ['NODE_ENV', 'PORT', 'HOST', 'NODE_OPTIONS'].includes(k)) continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, check: () => boolean, log: () => string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let started: ChildProcess | undefined;
afterEach(() => {
  // Whatever a failed test left behind: our own process group, by its id (it outlives npm).
  if (started?.pid) {
    try {
      process.kill(-started.pid, 'SIGKILL');
    } catch {
      // the group is gone
    }
  }
  started = undefined;
});

async function npmStart() {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: cleanEnv({ CALLGATE_DB: join(dir, 'callgate.sqlite'), CALLGATE_POLICY_DIR: policies, PORT: '0' }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started = child;
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  let exited = false;
  const exit = new Promise<void>((done) => child.once('exit', () => ((exited = true), done())));
  const log = () => out.split('\n').filter((l) => !l.startsWith('{')).join('\n');
  await until('the listening line and the pid file', () => /callgate listening on http:\/\/\S+/.test(out) && /^pid \d+/m.test(out) && existsSync(pidFile), log);
  const url = /callgate listening on (http:\/\/\S+)/.exec(out)![1]!;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return { child, url, pid, exit, log, out: () => out, exited: () => exited };
}

describe('npm start', () => {
  it('SIGHUP to the pid in data/callgate.pid reloads the policies; SIGTERM stops it, leaving nothing behind', { timeout: 120_000 }, async () => {
    const s = await npmStart();
    expect(s.pid).not.toBe(s.child.pid); // the server itself, not npm
    expect(s.log()).toMatch(/policies in force:\n {2}default v1 {2}\S*default\.yaml/);

    const file = join(policies, 'default.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^version: 1$/m, 'version: 2'));
    process.kill(s.pid, 'SIGHUP');
    await until('the reload line', () => /policies reloaded; in force:\n {2}default v2/.test(s.out()), s.log);
    const health = (await (await fetch(`${s.url}/healthz`)).json()) as { policies: { id: string; version: number }[] };
    expect(health.policies).toContainEqual({ id: 'default', version: 2, file: 'default.yaml' });
    expect(alive(s.child.pid!)).toBe(true);

    process.kill(s.pid, 'SIGTERM');
    await s.exit;
    await until('the server to go away', () => !alive(s.pid), s.log);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('a signal that kills npm itself (SIGHUP) stops the server too: no orphan keeps serving', { timeout: 120_000 }, async () => {
    const s = await npmStart();
    process.kill(s.child.pid!, 'SIGHUP');
    await s.exit;
    await until('the server to stop after npm', () => !alive(s.pid), s.log);
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
    expect(existsSync(pidFile)).toBe(false);
  });
});
