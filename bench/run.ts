// `npm run bench`: callgate's hot paths under load, side by side with a bare Hono baseline.
//
//   npm run bench                    # full run: 0, 100k and 1M stored calls, 10k waiting calls (~10 min)
//   npm run bench -- --quick         # smoke run (< 1 min): short, empty store only, 1k waiting calls
//   npm run bench -- --profile       # CPU profile of each scenario's measured window (see docs/benchmarks.md)
//   npm run bench -- --runtime both  # Node and the Cloudflare worker under local workerd in one run, side by side (~10 min)
//   npm run bench -- --runtime worker [--quick]   # the worker alone (empty store only, never written to docs)
//   options: --scales 0,100k  --only status,post_auth  --duration 8  --waiting 10000  --connections 64  --no-docs
//            --compare <stamp>  (the earlier bench/results/<stamp>.json the docs compare with; default: the previous full run)
//
// The Node server is the real entry (src/runtime/node/index.ts), compiled as `npm run build` compiles it for
// production (the bench builds it first; no TypeScript loader in the measured process), in its own
// process, on a fresh SQLite file (WAL) in a temporary folder, port 0, console OTP delivery and freshly
// generated development secrets; the worker is `npm run start:worker` on the same kind of folder
// (bench/lib/server-under-test.ts). The load comes from this process (autocannon and a keep-alive
// node:http client) over loopback; a run with the worker uses a load local workerd holds, for both
// runtimes (bench/lib/load.ts). Exit status: 0 when every scenario ran (the numbers are not judged),
// 1 when any could not run at all.
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBaseline } from './lib/baselines.js';
import { loadFor, parseRuntimes } from './lib/load.js';
import { machine, openFilesLimit, serverEnv } from './lib/machine.js';
import { previousRun, writeDocsBlock, writeHistograms, writeJson } from './lib/output.js';
import { REPO_ROOT } from './lib/proc.js';
import { runSeed } from './lib/seed-child.js';
import { endProgress, log, progress } from './lib/progress.js';
import { startUnderTest, type UnderTest } from './lib/server-under-test.js';
import { fmtMs } from './lib/stats.js';
import { evaluateTargets, markdown, scaleLabel, targetLines, textTable, type RunReport, type Settings } from './report.js';
import { runtimesMarkdown, workerTargets } from './report-runtimes.js';
import { didConfirm, didWaiting } from './scenarios/did.js';
import { pushApprove } from './scenarios/push.js';
import { fullCall } from './scenarios/full-call.js';
import { initiation, otpVerifyWrong, postAuth, status } from './scenarios/simple.js';
import type { Runtime, Scenario, ScenarioResult } from './scenarios/types.js';
import { buildEntries, ENTRIES } from '../scripts/build.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    scales: { type: 'string' },
    only: { type: 'string' },
    duration: { type: 'string' },
    waiting: { type: 'string' },
    connections: { type: 'string' },
    compare: { type: 'string' },
    'no-docs': { type: 'boolean', default: false },
    runtime: { type: 'string', default: 'node' },
  },
});
const runtimes = parseRuntimes(args.runtime);
const onWorker = runtimes.includes('worker');
const onNode = runtimes.includes('node');
const parseScale = (s: string) => {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim());
  if (!m) throw new Error(`--scales: cannot read "${s}" (e.g. 0,100k,1M)`);
  return Math.round(Number(m[1]) * (m[2]?.toLowerCase() === 'm' ? 1e6 : m[2]?.toLowerCase() === 'k' ? 1e3 : 1));
};
// Stored history is seeded into the SQLite file the Node server opens: the worker runs on an empty store.
if (onWorker && (args.profile || (!onNode && args.scales && args.scales.trim() !== '0')))
  throw new Error('--runtime worker: no --profile, and the empty store only (stored history is seeded into SQLite files the Node server opens)');
const mode: Settings['mode'] = args.profile ? 'profile' : args.quick ? 'quick' : 'full';
const quick = mode !== 'full';
const scales = args.scales ? args.scales.split(',').map(parseScale) : quick || onWorker ? [0] : [0, 100_000, 1_000_000];
const durationS = args.duration ? Number(args.duration) : quick ? 2 : 8;
const load = loadFor(runtimes, quick, durationS);
if (args.connections) load.connections = Number(args.connections);
if (args.waiting) load.waitingCalls = Number(args.waiting);
// Too low an open-files limit (1024 is common) shrinks the waiting calls, with a note, rather than
// failing the run; `ulimit -n 65536` before the bench restores it.
const fdLimit = openFilesLimit();
const waitingNote =
  load.waitingCalls + 300 > fdLimit
    ? `open-files limit ${fdLimit}: ${load.waitingCalls} waiting calls reduced to ${Math.max(100, fdLimit - 300)} (run \`ulimit -n 65536\` first)`
    : undefined;
if (waitingNote) load.waitingCalls = Math.max(100, fdLimit - 300);

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

// ── the run ────────────────────────────────────────────────────────────────────────────────────

const started = performance.now();
const now = new Date();
const pad = (n: number) => String(n).padStart(2, '0');
const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}_${pad(now.getHours())}${pad(now.getMinutes())}`;
// Kept in bench/results/ and the docs: a full run of every scenario, of Node alone at the default
// scales (the main block) or of both runtimes (the side-by-side block). Anything partial (--only,
// --scales, a runtime alone) goes to a temporary folder like --quick and --profile.
const nodeComplete = mode === 'full' && !only && !args.scales && !onWorker;
const bothComplete = mode === 'full' && !only && onNode && onWorker && scales.includes(0);
const outRoot = nodeComplete || bothComplete ? join(REPO_ROOT, 'bench', 'results') : mkdtempSync(join(os.tmpdir(), `callgate-bench-${mode}-`));
const svgDir = join(outRoot, stamp);
mkdirSync(svgDir, { recursive: true });
const profileDir = join(svgDir, 'profiles');
if (mode === 'profile') mkdirSync(profileDir, { recursive: true });

const mach = machine();
const settings: Settings = {
  mode,
  scales,
  runtimes,
  connections: load.connections,
  warmupS: load.warmupS,
  durationS,
  fullCallS: load.fullCallS,
  didCalls: load.didCalls,
  waitingCalls: load.waitingCalls,
  customers: load.customers,
  devices: load.devices,
};
const where = runtimes.map((r) => (r === 'node' ? 'Node' : 'Cloudflare worker under local workerd')).join(' and ');
log(`callgate bench (${mode}, ${where}) · ${mach.cpuModel} · ${mach.cores} cores · ${mach.memoryGb} GB · Node ${mach.node} · commit ${mach.commit}`);
if (waitingNote) log(`note: ${waitingNote}`);
log(`scales ${scales.map(scaleLabel).join(', ')} · ${load.connections} connections · ${load.warmupS}+${durationS} s per scenario · output ${outRoot}`);

// Every Node process under test runs compiled JavaScript, as production does (`npm run build`).
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

// 1. The bare baseline runs at the start and again after each scale (this 2-vCPU VM's speed drifts a
// lot from minute to minute, and other work may share it); ratios use the median run.
const BARE = 'bare Hono baseline (one route, fixed JSON body)';
const baselineRuns: ScenarioResult[] = [];
const first = await runBaseline('baseline', BASELINE_ENTRY!, BARE, load, failures);
if (first) baselineRuns.push(first);
let baseline: ScenarioResult | undefined = first;
const baselineStack = await runBaseline('baseline_stack', BASELINE_STACK_ENTRY!, "callgate's app and middleware, a route answering a fixed body (no store, no policy, no audit)", load, failures);
if (baselineStack) results.push(baselineStack);

// 2. callgate, once per scale of stored history; at the empty store both runtimes are up together
// and each scenario runs on one, then at once on the other, so the two see the same minute of this
// machine (the idle one's timers run meanwhile: Node's DID sweep each second, the worker's cron
// each minute).
const seed = (dbFile: string, calls: number) =>
  runSeed(['--db', dbFile, '--calls', String(calls), '--bench-customers', String(load.customers)], serverEnv({}), (line) => {
    const m = /seed (\d+)\/(\d+)\s*$/.exec(line);
    if (m) progress(`${scaleLabel(calls)}: seeding history ${Number(m[1]).toLocaleString('en-US')}/${Number(m[2]).toLocaleString('en-US')} calls`);
  });
const wantedShared = ALL.filter((s) => !s.ownServer && (!only || only.has(s.id)));
const serverRuns: { scale: number; runtimes: Runtime[]; scenarios: typeof ALL; own?: boolean }[] = scales.map((scale) => ({
  scale,
  runtimes: runtimes.filter((r) => r === 'node' || scale === 0),
  scenarios: wantedShared,
}));
for (const s of ALL.filter((x) => x.ownServer && (!only || only.has(x.id)))) for (const r of runtimes) serverRuns.push({ scale: 0, runtimes: [r], scenarios: [s], own: true });
const labelOf = (r: Runtime, scale: number) => (r === 'node' ? scaleLabel(scale) : `worker ${scaleLabel(scale)}`);

for (const run of serverRuns) {
  if (run.scenarios.length === 0 || run.runtimes.length === 0) continue;
  const servers: UnderTest[] = [];
  for (const runtime of run.runtimes) {
    const label = labelOf(runtime, run.scale);
    try {
      const srv = await startUnderTest({
        runtime,
        scale: run.scale,
        nodeEntry: mode === 'profile' ? PROFILED_ENTRY! : SERVER_ENTRY!,
        settings: load,
        customers: load.customers,
        devices: load.devices,
        ...(mode === 'profile' ? { profileDir, profiles } : {}),
        serverEnv,
        seed,
        label,
      });
      srv.seeded.scenarios = run.scenarios.map((w) => w.id).join(', ');
      seeds.push(srv.seeded);
      servers.push(srv);
    } catch (e) {
      failures.push({ scale: run.scale, scenario: `server${runtime === 'worker' ? ' (worker)' : ''}`, error: (e as Error).message });
      log(`${label}: could not start: ${(e as Error).message}`);
    }
  }
  for (const sc of run.scenarios) {
    for (const srv of servers) {
      const { ctx } = srv;
      const label = labelOf(ctx.runtime, run.scale);
      if (!existsSync(`/proc/${ctx.pid}/status`)) continue;
      try {
        progress(`${label} · ${sc.id}`, true);
        const r = await sc.run(ctx);
        r.runtime = ctx.runtime;
        results.push(r);
        const ratio = first && r.rps && ctx.runtime === 'node' ? ` (${((r.rps / first.rps) * 100).toFixed(0)}% of the first baseline run)` : '';
        log(
          `${label} · ${r.id}: ${r.rps ? `${r.rps.toLocaleString('en-US')} req/s${ratio}, ` : ''}p50 ${fmtMs(r.latency.p50)} · p99 ${fmtMs(r.latency.p99)} · max ${fmtMs(r.latency.max)} ms, ` +
            `errors ${r.errors.total}, peak RSS ${r.rss.peakMb} MB`,
        );
      } catch (e) {
        failures.push({ scale: run.scale, scenario: `${sc.id}${ctx.runtime === 'worker' ? ' (worker)' : ''}`, error: (e as Error).message });
        log(`${label} · ${sc.id}: could not run: ${(e as Error).message}`);
      }
      if (!existsSync(`/proc/${ctx.pid}/status`)) {
        failures.push({ scale: run.scale, scenario: `server${ctx.runtime === 'worker' ? ' (worker)' : ''}`, error: `the server exited during ${sc.id}:\n${readFileSync(srv.proc.logFile, 'utf8').slice(-2000)}` });
      }
    }
  }
  for (const srv of servers) {
    const { code, dbMb } = await srv.stop();
    if (code !== 0 && code !== null) failures.push({ scale: run.scale, scenario: `server${srv.ctx.runtime === 'worker' ? ' (worker)' : ''}`, error: `the server exited with ${code} on SIGTERM` });
    srv.seeded.db_mb = Math.round(dbMb);
  }
  if (!run.own) {
    const again = await runBaseline('baseline', BASELINE_ENTRY!, BARE, load, failures);
    if (again) baselineRuns.push(again);
  }
}

if (baselineRuns.length) {
  const sorted = [...baselineRuns].sort((a, b) => a.rps - b.rps);
  baseline = sorted[Math.floor((sorted.length - 1) / 2)]!;
  baseline.extra = { ...baseline.extra, runs_rps: baselineRuns.map((b) => b.rps), note: 'the median of the runs (start, then after each scale)' };
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
report.targets = [...evaluateTargets(report), ...workerTargets(report.results)];
writeHistograms(report, svgDir);
const jsonFile = join(outRoot, `${stamp}.json`);
writeJson(report, jsonFile);

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

// docs/benchmarks.md: the generated blocks between their markers (full runs of every scenario only).
const docs = join(REPO_ROOT, 'docs', 'benchmarks.md');
if (nodeComplete && !args['no-docs']) {
  // The latest earlier full Node run with the same scales: before/after for whatever changed in between.
  const previous = previousRun(outRoot, stamp, (r) => r.settings.mode === 'full' && r.settings.scales.join() === scales.join() && !r.settings.runtimes?.includes('worker'), args.compare);
  writeDocsBlock(docs, 'results', markdown(report, `../bench/results/${stamp}`, previous));
  log(`updated ${docs} (Node results)`);
}
if (bothComplete && !args['no-docs']) {
  writeDocsBlock(docs, 'runtimes', runtimesMarkdown(report, `../bench/results/${stamp}`));
  log(`updated ${docs} (Node and the worker side by side)`);
}
log(`done in ${Math.round((performance.now() - started) / 1000)} s`);
process.exit(failures.length ? 1 : 0);
