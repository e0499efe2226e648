// `npm run bench`: callgate's hot paths under load, side by side with a bare Hono baseline.
//
//   npm run bench                    # full run: 0, 100k and 1M stored calls, 10k waiting calls (~10 min)
//   npm run bench -- --quick         # smoke run (< 1 min): short, empty store only, 1k waiting calls
//   npm run bench -- --profile       # CPU profile of each scenario's measured window (see docs/benchmarks.md)
//   npm run bench -- --runtime worker [--quick]   # against npm run start:worker (workerd, local D1); empty store only, never written to docs
//   options: --scales 0,100k  --only status,post_auth  --duration 8  --waiting 10000  --no-docs
//            --compare <stamp>  (the earlier bench/results/<stamp>.json the docs compare with; default: the previous full run)
//
// The server is the real Node entry (src/runtime/node/index.ts), compiled as `npm run build` compiles it for
// production (the bench builds it first; no TypeScript loader in the measured process), in its own process, on a fresh SQLite file (WAL) in a temporary folder, port 0, console OTP delivery and freshly
// generated development secrets. The load comes from this process (autocannon and a keep-alive
// node:http client) over loopback. Exit status: 0 when every scenario ran (the numbers are not judged),
// 1 when any could not run at all.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { enrolCustomers, enrolDevices } from './fixtures.js';
import { cannon } from './lib/cannon.js';
import { HttpClient } from './lib/http.js';
import { readMem, RssSampler, REPO_ROOT, sleep, spawnServer, type Proc } from './lib/proc.js';
import { runSeed } from './lib/seed-child.js';
import { endProgress, log, progress } from './lib/progress.js';
import { fmtMs } from './lib/stats.js';
import { analyzeHeap, analyzeProfile, formatHeap, formatProfile } from './profile.js';
import { evaluateTargets, markdown, scaleLabel, targetLines, textTable, type Machine, type RunReport, type Settings } from './report.js';
import { didConfirm, didWaiting } from './scenarios/did.js';
import { pushApprove } from './scenarios/push.js';
import { fullCall } from './scenarios/full-call.js';
import { initiation, otpVerifyWrong, postAuth, status } from './scenarios/simple.js';
import { fromCannon, type Ctx, type Scenario, type ScenarioResult, type Settings as ScenarioSettings } from './scenarios/types.js';
import { histogramSvg } from './svg.js';
import { buildEntries, ENTRIES } from '../scripts/build.js';
import { seedWorkerD1, WORKER_ENTRY, workerdPidOf } from './lib/worker.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    scales: { type: 'string' },
    only: { type: 'string' },
    duration: { type: 'string' },
    waiting: { type: 'string' },
    compare: { type: 'string' },
    'no-docs': { type: 'boolean', default: false },
    runtime: { type: 'string', default: 'node' },
  },
});
// --runtime worker: the scenarios against the Cloudflare worker under workerd (bench/lib/worker.ts).
if (args.runtime !== 'node' && args.runtime !== 'worker') throw new Error(`--runtime: node or worker, got "${args.runtime}"`);
const onWorker = args.runtime === 'worker';
if (onWorker && (args.profile || (args.scales && args.scales.trim() !== '0')))
  throw new Error('--runtime worker: no --profile, and the empty store only (stored history is seeded into SQLite files the Node server opens)');
const mode: Settings['mode'] = args.profile ? 'profile' : args.quick ? 'quick' : 'full';
const quick = mode !== 'full';
const parseScale = (s: string) => {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim());
  if (!m) throw new Error(`--scales: cannot read "${s}" (e.g. 0,100k,1M)`);
  return Math.round(Number(m[1]) * (m[2]?.toLowerCase() === 'm' ? 1e6 : m[2]?.toLowerCase() === 'k' ? 1e3 : 1));
};
const scales = args.scales ? args.scales.split(',').map(parseScale) : quick || onWorker ? [0] : [0, 100_000, 1_000_000];
const durationS = args.duration ? Number(args.duration) : quick ? 2 : 8;

const scenarioSettings: ScenarioSettings = {
  quick,
  connections: 64,
  warmupS: quick ? 1 : 2,
  durationS,
  fullCallS: quick ? 2 : 10,
  didCalls: quick ? 40 : 300,
  waitingCalls: args.waiting ? Number(args.waiting) : quick ? 1_000 : 10_000,
  waitingConfirms: quick ? 20 : 100,
  statusPool: quick ? 200 : 1_000,
};
// N waiting calls hold N sockets in the server and N in this process: both need the open-files
// limit above N (it is inherited). Too low a limit (1024 is common) shrinks N, with a note, rather
// than failing the run; `ulimit -n 65536` before the bench restores it.
function openFilesLimit(): number {
  try {
    const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return Infinity;
  }
}
const fdLimit = openFilesLimit();
const waitingNote =
  scenarioSettings.waitingCalls + 300 > fdLimit
    ? `open-files limit ${fdLimit}: ${scenarioSettings.waitingCalls} waiting calls reduced to ${Math.max(100, fdLimit - 300)} (run \`ulimit -n 65536\` first)`
    : undefined;
if (waitingNote) scenarioSettings.waitingCalls = Math.max(100, fdLimit - 300);
const CUSTOMERS = quick ? 50 : 200;
const DEVICES = quick ? 25 : 100;

const ALL: { id: string; run: Scenario; ownServer?: boolean }[] = [
  { id: 'initiation', run: initiation },
  { id: 'status', run: status },
  { id: 'otp_verify', run: otpVerifyWrong },
  { id: 'full_call', run: fullCall },
  { id: 'post_auth', run: postAuth },
  { id: 'did_confirm', run: didConfirm },
  { id: 'push_approve', run: pushApprove },
  // Memory with N waiting calls does not depend on stored history: once, on a fresh server of its
  // own (empty store), so the figure is a just-started server plus N waiting calls, not the heap
  // left over from the scenarios before it.
  { id: 'did_waiting', run: didWaiting, ownServer: true },
];
const only = args.only ? new Set(args.only.split(',').map((s) => s.trim())) : undefined;
if (only) {
  const unknown = [...only].filter((id) => id !== 'baseline' && !ALL.some((s) => s.id === id));
  if (unknown.length) {
    console.error(`--only: unknown scenario(s) ${unknown.join(', ')}; known: baseline, ${ALL.map((s) => s.id).join(', ')}`);
    process.exit(2);
  }
  // post_auth plays on the calls the full call authenticated.
  if (only.has('post_auth')) only.add('full_call');
}

// ── the machine ────────────────────────────────────────────────────────────────────────────────

function machine(): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1]!.trim();
  } catch {
    // not Linux
  }
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'tools', 'policies', 'migrations'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    if (dirty) commit += ' + uncommitted changes in src/';
  } catch {
    // not a git checkout
  }
  return {
    cpuModel,
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
    commit,
    loadavgAtStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

// ── processes ──────────────────────────────────────────────────────────────────────────────────

/** The environment a server gets: ours minus every callgate/provider variable, plus the run's. */
function serverEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(CALLGATE_|TWILIO_|VOXEQ_|ELEVENLABS_|BENCH_)/.test(k) || k === 'NODE_ENV' || k === 'PORT' || k === 'HOST' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function seed(dbFile: string, calls: number): Promise<Record<string, unknown>> {
  return runSeed(['--db', dbFile, '--calls', String(calls), '--bench-customers', String(CUSTOMERS)], serverEnv({}), (line) => {
    const m = /seed (\d+)\/(\d+)\s*$/.exec(line);
    if (m) progress(`${scaleLabel(calls)}: seeding history ${Number(m[1]).toLocaleString('en-US')}/${Number(m[2]).toLocaleString('en-US')} calls`);
  });
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

// ── the run ────────────────────────────────────────────────────────────────────────────────────

const started = performance.now();
const now = new Date();
const pad = (n: number) => String(n).padStart(2, '0');
const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}_${pad(now.getHours())}${pad(now.getMinutes())}`;
// Only a full run of every scenario at the default scales is kept in bench/results/ and the docs;
// a partial one (--only, --scales) goes to a temporary folder like --quick and --profile.
const complete = mode === 'full' && !only && !args.scales && !onWorker;
const outRoot = complete ? join(REPO_ROOT, 'bench', 'results') : mkdtempSync(join(os.tmpdir(), `callgate-bench-${mode}-`));
const svgDir = join(outRoot, stamp);
mkdirSync(svgDir, { recursive: true });
const profileDir = join(svgDir, 'profiles');
if (mode === 'profile') mkdirSync(profileDir, { recursive: true });

const mach = machine();
const settings: Settings = {
  mode,
  scales,
  connections: scenarioSettings.connections,
  warmupS: scenarioSettings.warmupS,
  durationS,
  fullCallS: scenarioSettings.fullCallS,
  didCalls: scenarioSettings.didCalls,
  waitingCalls: scenarioSettings.waitingCalls,
  customers: CUSTOMERS,
  devices: DEVICES,
};
log(`callgate bench (${mode}${onWorker ? ', Cloudflare worker under workerd' : ''}) · ${mach.cpuModel} · ${mach.cores} cores · ${mach.memoryGb} GB · Node ${mach.node} · commit ${mach.commit}`);
if (waitingNote) log(`note: ${waitingNote}`);
log(`scales ${scales.map(scaleLabel).join(', ')} · ${scenarioSettings.connections} connections · ${scenarioSettings.warmupS}+${durationS} s per scenario · output ${outRoot}`);

// Every process under test runs compiled JavaScript, as production does (`npm run build`).
progress('building the server and the baselines (esbuild)', true);
const [SERVER_ENTRY, PROFILED_ENTRY, BASELINE_ENTRY, BASELINE_STACK_ENTRY] = await buildEntries({
  ...ENTRIES,
  'bench/profiled-entry.ts': 'bench/profiled-entry.mjs',
  'bench/baseline.ts': 'bench/baseline.mjs',
  'bench/baseline-stack.ts': 'bench/baseline-stack.mjs',
});

const results: ScenarioResult[] = [];
const failures: RunReport['failures'] = [];
const seeds: Record<string, unknown>[] = [];
const profiles: NonNullable<RunReport['profiles']> = [];

// 1. Baselines, each in its own process, driven exactly like `status`: same load generator, same
// connections, same kind of rotating JSON body. The bare one answers a fixed body; the "stack" one
// first runs the middleware every callgate tool call goes through (secure headers, body limit, bearer,
// JSON body read).
async function runBaseline(id: 'baseline' | 'baseline_stack', entry: string, title: string): Promise<ScenarioResult | undefined> {
  const dir = mkdtempSync(join(os.tmpdir(), `callgate-bench-${id}-`));
  let proc: Proc | undefined;
  try {
    progress(`${id}: starting`, true);
    const secret = 'bench-stack-secret-0123456789abcdef';
    const env =
      id === 'baseline'
        ? serverEnv({ PORT: '0' })
        : serverEnv({
            PORT: '0',
            HOST: '127.0.0.1',
            CALLGATE_DB: join(dir, 'stack.sqlite'),
            CALLGATE_POLICY_DIR: join(REPO_ROOT, 'policies'),
            CALLGATE_OTP_DELIVERY: 'console',
            CALLGATE_TOOL_SECRET: secret,
            CALLGATE_IVR_SECRET: `${secret}-ivr`,
            CALLGATE_ADMIN_TOKEN: `${secret}-admin`,
            CALLGATE_SECRET_KEY: `${secret}-key`,
          });
    proc = await spawnServer({ entry, env, logFile: join(dir, 'server.log') });
    let n = 0;
    const spec = {
      url: proc.url,
      path: id === 'baseline' ? '/' : '/tools/bench_fixed',
      method: 'POST' as const,
      headers: { authorization: `Bearer ${secret}` },
      body: () => JSON.stringify({ call_id: `CAbaseline${n % 1000}`, conversation_id: `conv_CAbaseline${n++ % 1000}`, action: 'status' }),
      connections: scenarioSettings.connections,
      check: (s: number) => (s === 200 ? null : `http_${s}`),
    };
    await cannon({ ...spec, durationS: scenarioSettings.warmupS });
    const rss = new RssSampler(proc.pid).start();
    const run = await cannon({ ...spec, durationS, onTick: (k, s) => progress(`${id}: ${s.toFixed(0)}/${durationS} s · ${Math.round(k / s).toLocaleString('en-US')} req/s`) });
    const r = fromCannon({ id, title, scale: 0, connections: scenarioSettings.connections }, run, rss.stop());
    log(`${id}: ${r.rps.toLocaleString('en-US')} req/s, p50 ${fmtMs(r.latency.p50)} ms, p99 ${fmtMs(r.latency.p99)} ms, errors ${r.errors.total}`);
    return r;
  } catch (e) {
    failures.push({ scale: null, scenario: id, error: (e as Error).message });
    log(`${id} could not run: ${(e as Error).message}`);
    return undefined;
  } finally {
    await proc?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
// The bare baseline runs at the start and again after each scale (this 2-vCPU VM's speed drifts a
// lot from minute to minute, and other work may share it); ratios use the median run.
const baselineRuns: ScenarioResult[] = [];
const first = await runBaseline('baseline', BASELINE_ENTRY!, 'bare Hono baseline (one route, fixed JSON body)');
if (first) baselineRuns.push(first);
let baseline: ScenarioResult | undefined = first;
const baselineStack = await runBaseline('baseline_stack', BASELINE_STACK_ENTRY!, "callgate's app and middleware, a route answering a fixed body (no store, no policy, no audit)");
if (baselineStack) results.push(baselineStack);

// 2. callgate, once per scale of stored history.
const serverRuns: { scale: number; scenarios: typeof ALL }[] = scales.map((scale) => ({
  scale,
  scenarios: ALL.filter((s) => !s.ownServer && (!only || only.has(s.id))),
}));
for (const s of ALL.filter((x) => x.ownServer && (!only || only.has(x.id)))) serverRuns.push({ scale: 0, scenarios: [s] });
for (const { scale, scenarios: wanted } of serverRuns) {
  if (wanted.length === 0) continue;
  const S = scaleLabel(scale);
  const dir = mkdtempSync(join(os.tmpdir(), `callgate-bench-${S}-`));
  const dbFile = join(dir, 'callgate.sqlite');
  let proc: Proc | undefined;
  try {
    progress(`${S}: preparing the database`, true);
    // The worker's D1 exists only once it started (its migrations are wrangler's): seeded after.
    const seeded: Record<string, unknown> = onWorker ? { file: dbFile, runtime: 'worker' } : await seed(dbFile, scale);
    seeded.scenarios = wanted.map((w) => w.id).join(', ');
    seeds.push(seeded);
    if (scale > 0) log(`${S}: stored ${scale.toLocaleString('en-US')} calls of history in ${seeded.seconds} s`);
    // The shipped policies, plus the bench-only policy for the wrong-code scenario (bench/policies/).
    const policyDir = join(dir, 'policies');
    mkdirSync(policyDir);
    for (const from of [join(REPO_ROOT, 'policies'), join(REPO_ROOT, 'bench', 'policies')])
      for (const f of readdirSync(from)) if (/\.ya?ml$/.test(f)) copyFileSync(join(from, f), join(policyDir, f));

    progress(`${S}: starting callgate`, true);
    const env = serverEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      CALLGATE_DB: dbFile,
      CALLGATE_POLICY_DIR: policyDir,
      CALLGATE_OTP_DELIVERY: 'console',
      ...(mode === 'profile' ? { BENCH_PROFILE_DIR: profileDir } : {}),
    });
    proc = await spawnServer({
      entry: onWorker ? WORKER_ENTRY : mode === 'profile' ? PROFILED_ENTRY! : SERVER_ENTRY!,
      env,
      logFile: join(dir, 'server.log'),
      ...(onWorker ? { timeoutMs: 120_000 } : {}),
    });
    if (onWorker) Object.assign(seeded, await seedWorkerD1(dbFile, CUSTOMERS, serverEnv({})));
    // On the worker, requests are served (and memory held) by workerd, not by the launcher.
    const servingPid = onWorker ? workerdPidOf(proc.pid) : proc.pid;
    const secrets = JSON.parse(readFileSync(join(dir, 'dev-secrets.json'), 'utf8')) as Record<string, string>;
    const client = new HttpClient(proc.url, { maxSockets: 64 });
    progress(`${S}: enrolling ${CUSTOMERS} customers and ${DEVICES} devices through the admin API`, true);
    const customers = await enrolCustomers(client, secrets.CALLGATE_ADMIN_TOKEN!, CUSTOMERS);
    const devices = await enrolDevices(client, secrets.CALLGATE_ADMIN_TOKEN!, customers, DEVICES);
    seeded.server_rss_idle_mb = Math.round(((readMem(servingPid)?.rssKb ?? 0) / 1024) * 10) / 10;

    let profiles_started = 0;
    const running = proc;
    const ctx: Ctx = {
      url: proc.url,
      pid: servingPid,
      tool: secrets.CALLGATE_TOOL_SECRET!,
      admin: secrets.CALLGATE_ADMIN_TOKEN!,
      scale,
      tag: `${S.toLowerCase()}${Date.now().toString(36).slice(-4)}`,
      settings: scenarioSettings,
      customers,
      devices,
      client,
      progress: (t) => progress(`${S} · ${t}`),
      measure:
        mode === 'profile'
          ? {
              async begin() {
                process.kill(running.pid, 'SIGUSR2');
                await waitForLog(running, /bench profile started/, ++profiles_started);
              },
              async end(label) {
                process.kill(running.pid, 'SIGUSR2');
                const written = await waitForLog(running, /bench profile written (\S+)/, profiles_started);
                const file = join(profileDir, `${S}-${label}.cpuprofile`);
                renameSync(written[profiles_started - 1]![1]!, file);
                renameSync(written[profiles_started - 1]![1]!.replace(/\.cpuprofile$/, '.heapprofile'), file.replace(/\.cpuprofile$/, '.heapprofile'));
                const summary = analyzeProfile(JSON.parse(readFileSync(file, 'utf8')));
                const heap = analyzeHeap(JSON.parse(readFileSync(file.replace(/\.cpuprofile$/, '.heapprofile'), 'utf8')));
                const memLines = [...readFileSync(running.logFile, 'utf8').matchAll(/bench memory at (start|end) (\{.*\})/g)].slice(-2).map((m) => `${m[1]} ${m[2]}`);
                profiles.push({ scenario: label, file, summary, heap, memory: memLines });
                log(formatProfile(`profile ${label} (${file})`, summary));
                log(formatHeap(`heap ${label}`, heap, 8));
                log(`  process.memoryUsage() MB: ${memLines.join(' → ')}`);
              },
            }
          : { async begin() {}, async end() {} },
      state: { authenticated: [] },
    };
    for (const sc of wanted) {
      try {
        progress(`${S} · ${sc.id}`, true);
        const r = await sc.run(ctx);
        results.push(r);
        const ratio = first && r.rps ? ` (${((r.rps / first.rps) * 100).toFixed(0)}% of the first baseline run)` : '';
        log(
          `${S} · ${r.id}: ${r.rps ? `${r.rps.toLocaleString('en-US')} req/s${ratio}, ` : ''}p50 ${fmtMs(r.latency.p50)} · p99 ${fmtMs(r.latency.p99)} · max ${fmtMs(r.latency.max)} ms, ` +
            `errors ${r.errors.total}, peak RSS ${r.rss.peakMb} MB`,
        );
      } catch (e) {
        failures.push({ scale, scenario: sc.id, error: (e as Error).message });
        log(`${S} · ${sc.id}: could not run: ${(e as Error).message}`);
      }
      if (!readMemAlive(proc.pid)) throw new Error(`the server exited during ${sc.id}:\n${readFileSync(proc.logFile, 'utf8').slice(-2000)}`);
    }
    client.close();
  } catch (e) {
    failures.push({ scale, scenario: 'server', error: (e as Error).message });
    log(`${S}: could not run: ${(e as Error).message}`);
  } finally {
    if (proc) {
      const code = await proc.stop();
      if (code !== 0 && code !== null) failures.push({ scale, scenario: 'server', error: `the server exited with ${code} on SIGTERM` });
    }
    const size = fileMb(dbFile) + fileMb(`${dbFile}-wal`);
    const last = seeds.at(-1);
    if (last && last.file === dbFile) last.db_mb = Math.round(size);
    rmSync(dir, { recursive: true, force: true });
  }
  if (!wanted.some((w) => w.ownServer)) {
    const again = await runBaseline('baseline', BASELINE_ENTRY!, 'bare Hono baseline (one route, fixed JSON body)');
    if (again) baselineRuns.push(again);
  }
}

if (baselineRuns.length) {
  const sorted = [...baselineRuns].sort((a, b) => a.rps - b.rps);
  baseline = sorted[Math.floor((sorted.length - 1) / 2)]!;
  baseline.extra = { ...baseline.extra, runs_rps: baselineRuns.map((b) => b.rps), note: 'the median of the runs (start, then after each scale)' };
}

function readMemAlive(pid: number): boolean {
  return existsSync(`/proc/${pid}/status`);
}
function fileMb(f: string): number {
  try {
    return statSync(f).size / 2 ** 20;
  } catch {
    return 0;
  }
}

// 3. Output.
endProgress();
const report: RunReport = {
  date: now.toISOString(),
  stamp,
  machine: mach,
  settings,
  ...(baseline ? { baseline } : {}),
  results,
  failures,
  seeds,
  targets: [],
  svgs: {},
  elapsedS: Math.round((performance.now() - started) / 1000),
  loadavgAtEnd: os.loadavg().map((v) => Math.round(v * 100) / 100),
  ...(profiles.length ? { profiles } : {}),
};
report.targets = evaluateTargets(report);

const TARGET_MS: Record<string, number> = { status: 10, otp_verify: 10, post_auth: 10, did_confirm: 5, did_waiting: 5 };
for (const r of [...(baseline ? [baseline] : []), ...results]) {
  const bl = r.id.startsWith('baseline');
  const file = `${bl ? r.id : `${scaleLabel(r.scale)}-${r.id}`}.svg`;
  const target = TARGET_MS[r.id];
  writeFileSync(
    join(svgDir, file),
    histogramSvg({
      title: `${r.title}${bl ? '' : ` · ${scaleLabel(r.scale)} stored calls`}`,
      subtitle: `${r.latencyLabel} · ${r.rps ? `${r.rps.toLocaleString('en-US')} req/s · ` : ''}${r.connections.toLocaleString('en-US')} connections · ${mach.cores} cores, Node ${mach.node}`,
      hist: r.hist,
      latency: r.latency,
      ...(target ? { targetMs: target, targetLabel: `target p99 < ${target} ms` } : {}),
    }),
  );
  report.svgs[bl ? r.id : `${scaleLabel(r.scale)} ${r.id}`] = file;
}
const jsonFile = mode === 'full' ? join(outRoot, `${stamp}.json`) : join(outRoot, `${stamp}.json`);
writeFileSync(jsonFile, `${JSON.stringify(report, (k, v) => (k === 'hist' ? { ...v, counts: trimCounts(v.counts) } : v), 1)}\n`);

log('');
log(textTable(report));
log('');
log('targets:');
log(targetLines(report.targets));
if (failures.length) {
  log('');
  log('could not run:');
  for (const f of failures) log(`  ${f.scenario}${f.scale === null ? '' : ` @${scaleLabel(f.scale)}`}: ${f.error.split('\n')[0]}`);
}
log('');
log(`results: ${jsonFile}`);
log(`histograms: ${svgDir}`);

// docs/benchmarks.md: the generated block between the markers (full runs of every scenario only).
if (complete && !args['no-docs']) {
  const docs = join(REPO_ROOT, 'docs', 'benchmarks.md');
  // The latest earlier full run with the same scales: before/after for whatever changed in between.
  const previous = readdirSync(outRoot)
    .filter((f) => /^\d{4}-\d\d-\d\d_\d{4}\.json$/.test(f) && f !== `${stamp}.json` && (!args.compare || f === `${args.compare}.json`))
    .sort()
    .reverse()
    .map((f) => JSON.parse(readFileSync(join(outRoot, f), 'utf8')) as RunReport)
    .find((r) => r.settings.mode === 'full' && r.settings.scales.join() === scales.join());
  const block = `<!-- bench:results:start -->\n${markdown(report, `../bench/results/${stamp}`, previous)}\n<!-- bench:results:end -->`;
  const text = existsSync(docs) ? readFileSync(docs, 'utf8') : '# Benchmarks\n\n<!-- bench:results:start -->\n<!-- bench:results:end -->\n';
  const next = /<!-- bench:results:start -->[\s\S]*<!-- bench:results:end -->/.test(text)
    ? text.replace(/<!-- bench:results:start -->[\s\S]*<!-- bench:results:end -->/, () => block)
    : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(docs, next);
  log(`updated ${docs}`);
}
log(`done in ${Math.round((performance.now() - started) / 1000)} s`);
process.exit(failures.length ? 1 : 0);

function trimCounts(counts: number[]): { from: number; counts: number[] } | number[] {
  if (!Array.isArray(counts)) return counts;
  const first = counts.findIndex((c) => c > 0);
  if (first < 0) return { from: 0, counts: [] };
  let last = counts.length - 1;
  while (counts[last] === 0) last--;
  return { from: first, counts: counts.slice(first, last + 1) };
}
