// One callgate server under test, on one runtime and one scale of stored history: a fresh folder
// and database, the shipped policies plus the bench's, the server started (the compiled Node entry,
// or `npm run start:worker`'s launcher), the fixtures enrolled through the admin API, and the
// context every scenario gets.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { enrolCustomers, enrolDevices } from '../fixtures.js';
import { analyzeHeap, analyzeProfile, formatHeap, formatProfile } from '../profile.js';
import { scaleLabel } from '../report.js';
import type { Ctx, Runtime, Settings } from '../scenarios/types.js';
import { HttpClient } from './http.js';
import { readMem, REPO_ROOT, sleep, spawnServer, type Proc } from './proc.js';
import { log, progress } from './progress.js';
import { seedWorkerD1, WORKER_ENTRY, workerdPidOf } from './worker.js';

export interface UnderTestOptions {
  runtime: Runtime;
  scale: number;
  /** The compiled Node entry (or the profiled one, in --profile mode). */
  nodeEntry: string;
  settings: Settings;
  customers: number;
  devices: number;
  /** Where the profiled entry writes its profiles (--profile mode only). */
  profileDir?: string;
  profiles?: { scenario: string; file: string; summary: unknown; heap?: unknown; memory?: string[] }[];
  serverEnv: (extra: Record<string, string>) => Record<string, string>;
  /** Stores `scale` calls of history in a fresh SQLite file (Node only). */
  seed: (dbFile: string, scale: number) => Promise<Record<string, unknown>>;
  /** Labels this server's ids, progress lines and profiles apart from another's in the same run. */
  label: string;
}

export interface UnderTest {
  ctx: Ctx;
  proc: Proc;
  seeded: Record<string, unknown>;
  /** Stops the server and removes its folder; answers the exit code and the database's size. */
  stop(): Promise<{ code: number | null; dbMb: number }>;
}

export async function startUnderTest(o: UnderTestOptions): Promise<UnderTest> {
  const onWorker = o.runtime === 'worker';
  const L = o.label;
  const dir = mkdtempSync(join(os.tmpdir(), `callgate-bench-${o.runtime}-${scaleLabel(o.scale)}-`));
  const dbFile = join(dir, 'callgate.sqlite');
  let proc: Proc | undefined;
  try {
    progress(`${L}: preparing the database`, true);
    // The worker's D1 exists only once it started (its migrations are wrangler's): seeded after.
    const seeded: Record<string, unknown> = onWorker ? { file: dbFile, runtime: 'worker', history_calls: 0, seconds: 0 } : await o.seed(dbFile, o.scale);
    seeded.runtime = o.runtime;
    if (o.scale > 0) log(`${L}: stored ${o.scale.toLocaleString('en-US')} calls of history in ${seeded.seconds} s`);
    // The shipped policies, plus the bench-only ones (bench/policies/).
    const policyDir = join(dir, 'policies');
    mkdirSync(policyDir);
    for (const from of [join(REPO_ROOT, 'policies'), join(REPO_ROOT, 'bench', 'policies')])
      for (const f of readdirSync(from)) if (/\.ya?ml$/.test(f)) copyFileSync(join(from, f), join(policyDir, f));

    progress(`${L}: starting callgate`, true);
    const env = o.serverEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      CALLGATE_DB: dbFile,
      CALLGATE_POLICY_DIR: policyDir,
      CALLGATE_OTP_DELIVERY: 'console',
      ...(o.profileDir ? { BENCH_PROFILE_DIR: o.profileDir } : {}),
    });
    proc = await spawnServer({ entry: onWorker ? WORKER_ENTRY : o.nodeEntry, env, logFile: join(dir, 'server.log'), ...(onWorker ? { timeoutMs: 120_000 } : {}) });
    if (onWorker) Object.assign(seeded, await seedWorkerD1(dbFile, o.customers, o.serverEnv({})));
    // On the worker, requests are served (and memory held) by workerd, not by the launcher.
    const servingPid = onWorker ? workerdPidOf(proc.pid) : proc.pid;
    const secrets = JSON.parse(readFileSync(join(dir, 'dev-secrets.json'), 'utf8')) as Record<string, string>;
    const client = new HttpClient(proc.url, { maxSockets: 64 });
    progress(`${L}: enrolling ${o.customers} customers and ${o.devices} devices through the admin API`, true);
    const customers = await enrolCustomers(client, secrets.CALLGATE_ADMIN_TOKEN!, o.customers, 0, o.settings.setupConcurrency);
    const devices = await enrolDevices(client, secrets.CALLGATE_ADMIN_TOKEN!, customers, o.devices, o.settings.setupConcurrency);
    seeded.server_rss_idle_mb = Math.round(((readMem(servingPid)?.rssKb ?? 0) / 1024) * 10) / 10;

    const running = proc;
    const ctx: Ctx = {
      runtime: o.runtime,
      url: proc.url,
      pid: servingPid,
      tool: secrets.CALLGATE_TOOL_SECRET!,
      admin: secrets.CALLGATE_ADMIN_TOKEN!,
      scale: o.scale,
      tag: `${o.runtime[0]}${scaleLabel(o.scale).toLowerCase()}${Date.now().toString(36).slice(-4)}`,
      settings: o.settings,
      customers,
      devices,
      client,
      progress: (t) => progress(`${L} · ${t}`),
      measure: o.profileDir && o.profiles ? profileHooks(running, o.profileDir, o.profiles, L) : { async begin() {}, async end() {} },
      state: { authenticated: [] },
    };
    return {
      ctx,
      proc,
      seeded,
      async stop() {
        client.close();
        const code = await running.stop();
        const dbMb = fileMb(dbFile) + fileMb(`${dbFile}-wal`);
        rmSync(dir, { recursive: true, force: true });
        return { code, dbMb };
      },
    };
  } catch (e) {
    await proc?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

function fileMb(f: string): number {
  try {
    return statSync(f).size / 2 ** 20;
  } catch {
    return 0;
  }
}

async function waitForLog(proc: Proc, pattern: RegExp, count: number, timeoutMs = 20_000): Promise<RegExpMatchArray[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readFileSync(proc.logFile, 'utf8');
    const matches = [...text.matchAll(new RegExp(pattern.source, 'g'))];
    if (matches.length >= count) return matches;
    if (Date.now() > deadline) throw new Error(`no "${pattern.source}" in the server log after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** --profile: SIGUSR2 starts and stops the profiled entry's CPU and heap profile around each measured window. */
function profileHooks(running: Proc, profileDir: string, profiles: NonNullable<UnderTestOptions['profiles']>, label: string): Ctx['measure'] {
  let started = 0;
  return {
    async begin() {
      process.kill(running.pid, 'SIGUSR2');
      await waitForLog(running, /bench profile started/, ++started);
    },
    async end(scenario) {
      process.kill(running.pid, 'SIGUSR2');
      const written = await waitForLog(running, /bench profile written (\S+)/, started);
      const file = join(profileDir, `${label}-${scenario}.cpuprofile`);
      renameSync(written[started - 1]![1]!, file);
      renameSync(written[started - 1]![1]!.replace(/\.cpuprofile$/, '.heapprofile'), file.replace(/\.cpuprofile$/, '.heapprofile'));
      const summary = analyzeProfile(JSON.parse(readFileSync(file, 'utf8')));
      const heap = analyzeHeap(JSON.parse(readFileSync(file.replace(/\.cpuprofile$/, '.heapprofile'), 'utf8')));
      const memLines = [...readFileSync(running.logFile, 'utf8').matchAll(/bench memory at (start|end) (\{.*\})/g)].slice(-2).map((m) => `${m[1]} ${m[2]}`);
      profiles.push({ scenario, file, summary, heap, memory: memLines });
      log(formatProfile(`profile ${scenario} (${file})`, summary));
      log(formatHeap(`heap ${scenario}`, heap, 8));
      log(`  process.memoryUsage() MB: ${memLines.join(' → ')}`);
    },
  };
}
