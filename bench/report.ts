// Turns a run into the stdout table, the target verdicts and the generated part of docs/benchmarks.md.
import type { Runtime, ScenarioResult, Settings as ScenarioSettings } from './scenarios/types.js';
import { fmtMs } from './lib/stats.js';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  node: string;
  kernel: string;
  commit: string;
  /** 1/5/15-minute load averages when the run started: anything well above 0 means other work shared the cores. */
  loadavgAtStart: number[];
}

/** What a run was: the scenarios' own settings it used, plus the run's mode, scales and fixtures. */
export interface Settings
  extends Pick<ScenarioSettings, 'connections' | 'warmupS' | 'durationS' | 'fullCallS' | 'didCalls' | 'waitingCalls'> {
  mode: 'full' | 'quick' | 'profile';
  scales: number[];
  /** Absent in runs recorded before the worker was benched: Node alone. */
  runtimes?: Runtime[];
  customers: number;
  devices: number;
}

export interface TargetCheck {
  target: string;
  scenario: string;
  scale: number;
  measured: string;
  met: boolean | null;
  why?: string;
}

export interface RunReport {
  date: string;
  stamp: string;
  machine: Machine;
  settings: Settings;
  baseline?: ScenarioResult;
  results: ScenarioResult[];
  failures: { scale: number | null; scenario: string; error: string }[];
  seeds: Record<string, unknown>[];
  targets: TargetCheck[];
  svgs: Record<string, string>;
  elapsedS: number;
  loadavgAtEnd?: number[];
  layers?: { layers: string; rps: number; p50: number; p99: number }[];
  profiles?: { scenario: string; file: string; summary: unknown; heap?: unknown; memory?: string[] }[];
}

export const scaleLabel = (n: number) => (n === 0 ? '0' : n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));
const num = (n: number) => Math.round(n).toLocaleString('en-US');

/** Ratio of `r`'s throughput to the baseline's, for request/response scenarios. */
export function ofBaseline(r: ScenarioResult, base?: ScenarioResult): number | undefined {
  if (!base || !r.rps || !base.rps) return undefined;
  return r.rps / base.rps;
}

export function evaluateTargets(report: Pick<RunReport, 'baseline' | 'results' | 'settings'>): TargetCheck[] {
  const out: TargetCheck[] = [];
  const { baseline, settings } = report;
  // These targets are the Node server's; the worker's own goal is judged apart (report-runtimes.ts).
  const results = report.results.filter((r) => r.runtime !== 'worker');
  const find = (id: string, scale: number) => results.find((r) => r.id === id && r.scale === scale);
  // The target is for auth_orchestrator and post-auth tool calls: the read (status) and the write
  // path (otp_verify) of the orchestrator, and a post-auth tool.
  for (const id of ['status', 'otp_verify', 'post_auth']) {
    for (const scale of settings.scales) {
      const r = find(id, scale);
      if (!r) continue;
      const ratio = ofBaseline(r, baseline);
      out.push({
        target: `throughput ≥ 50% of baseline (${settings.connections} connections)`,
        scenario: id,
        scale,
        measured: ratio === undefined ? 'no baseline' : `${num(r.rps)} req/s = ${(ratio * 100).toFixed(1)}% of ${num(baseline!.rps)}`,
        met: ratio === undefined ? null : ratio >= 0.5,
      });
      out.push({
        target: `p99 < 10 ms at ${settings.connections} connections`,
        scenario: id,
        scale,
        measured: `p99 ${fmtMs(r.latency.p99)} ms`,
        met: r.latency.p99 < 10,
      });
    }
  }
  for (const scale of settings.scales) {
    const r = find('did_confirm', scale);
    if (r) out.push({ target: 'DID confirm-to-answer p99 < 5 ms', scenario: 'did_confirm', scale, measured: `p99 ${fmtMs(r.latency.p99)} ms (upper bound ${fmtMs(r.series?.[0]?.latency.p99 ?? NaN)} ms)`, met: r.latency.p99 < 5 });
    const p = find('push_approve', scale);
    if (p) out.push({ target: 'Push approve-to-answer p99 < 5 ms', scenario: 'push_approve', scale, measured: `p99 ${fmtMs(p.latency.p99)} ms (upper bound ${fmtMs(p.series?.[0]?.latency.p99 ?? NaN)} ms)`, met: p.latency.p99 < 5 });
  }
  for (const r of results.filter((x) => x.id === 'did_waiting')) {
    const n = Number(r.extra?.waiting ?? 0);
    out.push({
      target: '10k concurrent waiting calls < 300 MB RSS',
      scenario: 'did_waiting',
      scale: r.scale,
      measured: `${num(n)} waiting: peak ${r.rss.peakMb} MB (${r.extra?.kb_per_waiting_call} kB per waiting call)`,
      met: n >= 10_000 ? r.rss.peakMb < 300 : null,
      ...(n < 10_000 ? { why: `only ${n} waiting in this mode` } : {}),
    });
  }
  const top = Math.max(...settings.scales);
  if (top > 0 && settings.scales.includes(0)) {
    for (const r of results.filter((x) => x.scale === top && x.id !== 'did_waiting')) {
      const empty = find(r.id, 0);
      if (!empty) continue;
      const p50 = r.latency.p50 / empty.latency.p50;
      const p99 = r.latency.p99 / empty.latency.p99;
      const cpu = r.perRequest && empty.perRequest ? r.perRequest.cpuUs / empty.perRequest.cpuUs : undefined;
      out.push({
        target: `latency with ${scaleLabel(top)} stored calls within 20% of empty (p50; or within 0.25 ms)`,
        scenario: r.id,
        scale: top,
        measured:
          `p50 ${fmtMs(empty.latency.p50)} → ${fmtMs(r.latency.p50)} ms (${pct(p50)}), p99 ${fmtMs(empty.latency.p99)} → ${fmtMs(r.latency.p99)} ms (${pct(p99)})` +
          (cpu === undefined ? '' : `; server CPU/req ${empty.perRequest!.cpuUs} → ${r.perRequest!.cpuUs} µs (${pct(cpu)})`),
        met: p50 <= 1.2 || r.latency.p50 - empty.latency.p50 <= 0.25,
      });
    }
  }
  return out;
}

const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(0)}%`;

function errorsCell(r: ScenarioResult): string {
  if (r.errors.total === 0) return '0';
  const top = Object.entries(r.errors.unexpected).sort((a, b) => b[1] - a[1])[0];
  return `${num(r.errors.total)}${top ? ` (${top[0]})` : ''}`;
}

export function textTable(report: RunReport): string {
  const rows: string[][] = [['scale', 'scenario', 'req/s', '×base', 'p50', 'p90', 'p99', 'max', 'errors', 'peak RSS', 'CPU/req']];
  const row = (r: ScenarioResult) => {
    const ratio = ofBaseline(r, report.baseline);
    rows.push([
      r.id.startsWith('baseline') ? '—' : `${r.runtime === 'worker' ? 'worker ' : ''}${scaleLabel(r.scale)}`,
      r.id === 'did_confirm' || r.id === 'did_waiting' ? `${r.id} (confirm→answer)` : r.id,
      r.rps ? num(r.rps) : '—',
      ratio === undefined || r.id === 'baseline' || r.runtime === 'worker' ? '—' : `${(ratio * 100).toFixed(0)}%`,
      fmtMs(r.latency.p50),
      fmtMs(r.latency.p90),
      fmtMs(r.latency.p99),
      fmtMs(r.latency.max),
      errorsCell(r),
      `${r.rss.peakMb} MB`,
      r.perRequest ? `${r.perRequest.cpuUs} µs` : '—',
    ]);
  };
  if (report.baseline) row(report.baseline);
  for (const r of report.results) row(r);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => (c < 2 || c === 8 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  const out = [line(rows[0]!), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  out.push('latencies in ms (per request; DID rows: confirm answer → did_wait answer); CPU/req = server process CPU time per request');
  const runs = report.baseline?.extra?.runs_rps as number[] | undefined;
  if (runs) out.push(`bare baseline runs: ${runs.map(num).join(', ')} req/s (start, then after each scale); ratios use the median`);
  const at = (r: ScenarioResult) => `${r.runtime === 'worker' ? 'worker ' : ''}@${scaleLabel(r.scale)}`;
  for (const r of report.results.filter((x) => x.id === 'full_call')) {
    const whole = r.series?.[0];
    if (whole) out.push(`full_call ${at(r)}: ${r.extra?.calls_per_s} calls/s, whole call p50 ${fmtMs(whole.latency.p50)} / p99 ${fmtMs(whole.latency.p99)} ms`);
  }
  for (const r of report.results.filter((x) => x.id === 'did_waiting')) {
    out.push(`did_waiting ${at(r)}: ${r.extra?.held_at_once} held at once, RSS ${r.extra?.rss_before_waits_mb} → ${r.extra?.rss_all_waiting_mb} MB (${r.extra?.kb_per_waiting_call} kB each), peak ${r.rss.peakMb} MB`);
  }
  return out.join('\n');
}

export function targetLines(targets: TargetCheck[]): string {
  return targets
    .map((t) => `${t.met === null ? '·' : t.met ? '✓' : '✗'} ${t.scenario} @${scaleLabel(t.scale)}: ${t.target} — ${t.measured}${t.why ? ` (${t.why})` : ''}`)
    .join('\n');
}

// ── markdown ───────────────────────────────────────────────────────────────────────────────────

const mdEsc = (s: string) => s.replace(/\|/g, '\\|');

/** This run next to an earlier full run: matching (scenario, scale) rows. */
export function comparison(report: RunReport, previous: RunReport): string[] {
  const L: string[] = [];
  L.push(`#### Compared with the previous full run (${previous.stamp}, commit ${previous.machine.commit})`);
  L.push('');
  L.push('| stored calls | scenario | req/s before → now | p50 before → now | p99 before → now | server CPU / req before → now | peak RSS before → now |');
  L.push('|---|---|---|---|---|---|---|');
  const all = [...(previous.baseline ? [previous.baseline] : []), ...previous.results];
  for (const r of [...(report.baseline ? [report.baseline] : []), ...report.results]) {
    const p = all.find((x) => x.id === r.id && x.scale === r.scale && (x.runtime ?? 'node') === (r.runtime ?? 'node'));
    // A baseline whose definition changed in between is not comparable.
    if (!p || (r.id.startsWith('baseline') && p.title.replace(/, run again.*$/, '') !== r.title.replace(/, run again.*$/, ''))) continue;
    const arrow = (a: string, b: string) => `${a} → ${b}`;
    L.push(
      `| ${r.id.startsWith('baseline') ? '—' : scaleLabel(r.scale)} | ${r.id} | ${r.rps ? arrow(num(p.rps), num(r.rps)) : '—'} | ${arrow(fmtMs(p.latency.p50), fmtMs(r.latency.p50))} | ${arrow(fmtMs(p.latency.p99), fmtMs(r.latency.p99))} | ${
        r.perRequest && p.perRequest ? arrow(`${p.perRequest.cpuUs} µs`, `${r.perRequest.cpuUs} µs`) : '—'
      } | ${arrow(`${p.rss.peakMb}`, `${r.rss.peakMb} MB`)} |`,
    );
  }
  L.push('');
  return L;
}

export function markdown(report: RunReport, svgBase: string, previous?: RunReport): string {
  const m = report.machine;
  const s = report.settings;
  const L: string[] = [];
  L.push(`_Generated by \`npm run bench\` on ${report.date} (commit ${m.commit}); ${Math.round(report.elapsedS / 60)} min run._`);
  L.push('');
  L.push(
    `**Machine:** ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB RAM, Linux ${m.kernel}, Node ${m.node}. Server and load generator share these cores ` +
      `(load average ${m.loadavgAtStart.join(' / ')} at the start, ${report.loadavgAtEnd?.join(' / ') ?? '?'} at the end).`,
  );
  L.push('');
  L.push(
    `**Settings:** ${s.connections} connections, ${s.warmupS} s warm-up + ${s.durationS} s per autocannon scenario, full call ${s.fullCallS} s, ` +
      `DID confirm-to-answer over ${s.didCalls} waiting calls, ${s.waitingCalls.toLocaleString('en-US')} calls waiting at once, ` +
      `${s.customers} bench customers (${s.devices} with a phone-app device). Raw data: \`bench/results/${report.stamp}.json\`.`,
  );
  L.push('');
  if (report.failures.length) {
    L.push('**Scenarios that could not run:**');
    for (const f of report.failures) L.push(`- ${f.scenario}${f.scale === null ? '' : ` @${scaleLabel(f.scale)}`}: ${mdEsc(f.error)}`);
    L.push('');
  }
  L.push('### Targets');
  L.push('');
  L.push('| | scenario | stored calls | target | measured |');
  L.push('|---|---|---|---|---|');
  for (const t of report.targets) {
    L.push(`| ${t.met === null ? '·' : t.met ? '✅ met' : '❌ **missed**'} | ${t.scenario} | ${scaleLabel(t.scale)} | ${mdEsc(t.target)} | ${mdEsc(t.measured)}${t.why ? ` (${mdEsc(t.why)})` : ''} |`);
  }
  L.push('');
  L.push('### Results');
  L.push('');
  L.push('Latency in ms, per request, measured by the load generator over loopback (request written → response complete). ');
  L.push('`×base` is throughput as a share of the bare Hono baseline. Errors are connection errors, timeouts and any answer other than the one the scenario expects. ');
  L.push('Server CPU / req and syscalls / req come from `/proc/<pid>/stat` and `/proc/<pid>/io` of the server process over the measured window (less sensitive to the load generator sharing the cores than latency and req/s).');
  const runs = report.baseline?.extra?.runs_rps as number[] | undefined;
  if (runs) L.push(`The bare baseline ran at the start and after each scale (${runs.map(num).join(', ')} req/s: this shared 2-vCPU VM drifts); ratios use the median.`);
  L.push('');
  L.push('| stored calls | scenario | req/s | ×base | p50 | p90 | p99 | max | errors | peak RSS | server CPU / req | syscalls / req (r + w) |');
  L.push('|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|');
  const row = (r: ScenarioResult) => {
    const ratio = ofBaseline(r, report.baseline);
    const errs = r.errors.total === 0 ? '0' : `${r.errors.total} (${Object.entries(r.errors.unexpected).map(([k, v]) => `${k}: ${v}`).join(', ') || `${r.errors.connErrors} connection`})`;
    L.push(
      `| ${r.id.startsWith('baseline') ? '—' : scaleLabel(r.scale)} | ${r.id === 'baseline' ? 'baseline (bare Hono)' : r.id === 'baseline_stack' ? 'baseline + callgate middleware' : r.id}${r.id.startsWith('did_') ? ' ¹' : ''} | ${r.rps ? num(r.rps) : '—'} | ${ratio === undefined || r.id === 'baseline' ? '—' : `${(ratio * 100).toFixed(0)}%`} | ${fmtMs(r.latency.p50)} | ${fmtMs(r.latency.p90)} | ${fmtMs(r.latency.p99)} | ${fmtMs(r.latency.max)} | ${mdEsc(errs)} | ${r.rss.peakMb} MB | ${r.perRequest ? `${r.perRequest.cpuUs} µs` : '—'} | ${r.perRequest ? `${r.perRequest.readSyscalls} + ${r.perRequest.writeSyscalls}` : '—'} |`,
    );
  };
  if (report.baseline) row(report.baseline);
  for (const r of report.results) row(r);
  L.push('');
  L.push('¹ DID rows: latency is confirm-to-answer (the confirm answer arrived → the waiting `did_wait` answer arrived, floored at 0); the upper bound (confirm request sent → `did_wait` answer) is below.');
  L.push('');
  if (report.layers?.length) {
    const bare = report.layers[0]!.rps;
    L.push('#### What each middleware layer costs alone');
    L.push('');
    L.push('A Hono server with only the named layers answering a fixed body (`bench/middleware.ts`), driven like `status`:');
    L.push('');
    L.push('| layers | req/s | ×bare | p50 | p99 |');
    L.push('|---|---:|---:|---:|---:|');
    for (const l of report.layers) L.push(`| ${l.layers} | ${num(l.rps)} | ${Math.round((l.rps / bare) * 100)}% | ${fmtMs(l.p50)} | ${fmtMs(l.p99)} |`);
    L.push('');
  }
  const full = report.results.filter((r) => r.id === 'full_call');
  if (full.length) {
    L.push('#### Full call, per step');
    L.push('');
    L.push('| stored calls | calls/s | step | p50 | p90 | p99 | max |');
    L.push('|---|---:|---|---:|---:|---:|---:|');
    for (const r of full) for (const x of r.series ?? []) L.push(`| ${scaleLabel(r.scale)} | ${r.extra?.calls_per_s} | ${mdEsc(x.label)} | ${fmtMs(x.latency.p50)} | ${fmtMs(x.latency.p90)} | ${fmtMs(x.latency.p99)} | ${fmtMs(x.latency.max)} |`);
    L.push('');
  }
  const did = report.results.filter((r) => r.id.startsWith('did_'));
  if (did.length) {
    L.push('#### Dynamic Identifier');
    L.push('');
    L.push('| stored calls | scenario | confirm-to-answer p50 / p99 / max | upper bound p50 / p99 | device round trip p50 / p99 | memory |');
    L.push('|---|---|---|---|---|---|');
    for (const r of did) {
      const ub = r.series?.[0]?.latency;
      const rt = r.series?.[1]?.latency;
      const mem = r.id === 'did_waiting' ? `${r.extra?.held_at_once} held at once; RSS ${r.extra?.rss_before_waits_mb} → ${r.extra?.rss_all_waiting_mb} MB, ${r.extra?.kb_per_waiting_call} kB per waiting call; peak ${r.rss.peakMb} MB` : `peak ${r.rss.peakMb} MB`;
      L.push(
        `| ${scaleLabel(r.scale)} | ${mdEsc(r.title)} | ${fmtMs(r.latency.p50)} / ${fmtMs(r.latency.p99)} / ${fmtMs(r.latency.max)} | ${ub ? `${fmtMs(ub.p50)} / ${fmtMs(ub.p99)}` : '—'} | ${rt ? `${fmtMs(rt.p50)} / ${fmtMs(rt.p99)}` : '—'} | ${mem} |`,
      );
    }
    L.push('');
  }
  if (report.seeds.length) {
    L.push('#### Stored history per scale');
    L.push('');
    L.push('| stored calls | rows written before the server started | seed time | server RSS after start + enrolment | database size after the run |');
    L.push('|---|---|---:|---:|---:|');
    for (const sd of report.seeds) {
      const rows = sd.rows as Record<string, number> | undefined;
      const own = typeof sd.scenarios === 'string' && !sd.scenarios.includes(',') ? ` (${sd.scenarios}, a server of its own)` : '';
      L.push(`| ${scaleLabel(Number(sd.history_calls))}${own} | ${rows ? Object.entries(rows).map(([k, v]) => `${k} ${num(v)}`).join(', ') : '—'} | ${sd.seconds} s | ${sd.server_rss_idle_mb ?? '—'} MB | ${sd.db_mb ?? '—'} MB |`);
    }
    L.push('');
  }
  if (previous) L.push(...comparison(report, previous));
  L.push('#### Latency histograms');
  L.push('');
  for (const [key, file] of Object.entries(report.svgs)) L.push(`![${key}](${svgBase}/${file})`);
  L.push('');
  return L.join('\n');
}
