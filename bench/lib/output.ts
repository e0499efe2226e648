// What a run leaves behind: one histogram per result, the JSON report, and the generated blocks of
// docs/benchmarks.md (each between its own markers, rewritten whole).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scaleLabel, type RunReport } from '../report.js';
import type { ScenarioResult } from '../scenarios/types.js';
import { histogramSvg } from '../svg.js';

/** The targets drawn on a histogram (p99, ms); the worker's DID goal is its own. */
const TARGET_MS: Record<string, number> = { status: 10, otp_verify: 10, post_auth: 10, did_confirm: 5, did_waiting: 5 };
const WORKER_TARGET_MS: Record<string, number> = { did_confirm: 10 };

/** "0 status", "worker 0 status", "baseline": how a result is named in file names and keys. */
export function resultKey(r: ScenarioResult): string {
  if (r.id.startsWith('baseline')) return r.id;
  return `${r.runtime === 'worker' ? 'worker ' : ''}${scaleLabel(r.scale)} ${r.id}`;
}

export function writeHistograms(report: RunReport, dir: string): void {
  const m = report.machine;
  for (const r of [...(report.baseline ? [report.baseline] : []), ...report.results]) {
    const key = resultKey(r);
    const file = `${key.replace(/ /g, '-')}.svg`;
    const target = (r.runtime === 'worker' ? WORKER_TARGET_MS : TARGET_MS)[r.id];
    const where = r.runtime === 'worker' ? ' · Cloudflare worker, local workerd' : '';
    writeFileSync(
      join(dir, file),
      histogramSvg({
        title: `${r.title}${r.id.startsWith('baseline') ? '' : ` · ${scaleLabel(r.scale)} stored calls${where}`}`,
        subtitle: `${r.latencyLabel} · ${r.rps ? `${r.rps.toLocaleString('en-US')} req/s · ` : ''}${r.connections.toLocaleString('en-US')} connections · ${m.cores} cores, Node ${m.node}`,
        hist: r.hist,
        latency: r.latency,
        ...(target ? { targetMs: target, targetLabel: `target p99 < ${target} ms` } : {}),
      }),
    );
    report.svgs[key] = file;
  }
}

export function writeJson(report: RunReport, file: string): void {
  writeFileSync(file, `${JSON.stringify(report, (k, v) => (k === 'hist' ? { ...v, counts: trimCounts(v.counts) } : v), 1)}\n`);
}

function trimCounts(counts: number[]): { from: number; counts: number[] } | number[] {
  if (!Array.isArray(counts)) return counts;
  const first = counts.findIndex((c) => c > 0);
  if (first < 0) return { from: 0, counts: [] };
  let last = counts.length - 1;
  while (counts[last] === 0) last--;
  return { from: first, counts: counts.slice(first, last + 1) };
}

/** The latest earlier kept run in `dir` that `matches` (or the one named by `stamp`). */
export function previousRun(dir: string, current: string, matches: (r: RunReport) => boolean, stamp?: string): RunReport | undefined {
  return readdirSync(dir)
    .filter((f) => /^\d{4}-\d\d-\d\d_\d{4}\.json$/.test(f) && f !== `${current}.json` && (!stamp || f === `${stamp}.json`))
    .sort()
    .reverse()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as RunReport)
    .find(matches);
}

/** Replaces the block between `<!-- bench:<name>:start -->` and its end marker (appended when absent). */
export function writeDocsBlock(docs: string, name: string, body: string): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${body}\n${end}`;
  const text = existsSync(docs) ? readFileSync(docs, 'utf8') : '# Benchmarks\n';
  const re = new RegExp(`${start}[\\s\\S]*${end}`);
  writeFileSync(docs, re.test(text) ? text.replace(re, () => block) : `${text.trimEnd()}\n\n${block}\n`);
}
