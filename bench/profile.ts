// Reads a V8 .cpuprofile (node --cpu-prof, or the inspector's Profiler.stop) and names where the
// time went: top functions by self time, top project functions by inclusive time, and time per
// package/area. Usable alone:  npx tsx bench/profile.ts <file.cpuprofile> [--top 25]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './lib/proc.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FnTime {
  fn: string;
  file: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Time not idle. */
  busyMs: number;
  self: FnTime[];
  inclusiveProject: FnTime[];
  /** Native/builtin self time (SQLite, socket writes, crypto…) charged to the nearest project function that called it. */
  nativeByCaller: { native: string; caller: string; ms: number; pct: number }[];
  areas: { area: string; ms: number; pct: number }[];
}

function fileOf(url: string): string {
  if (!url) return '';
  try {
    const p = url.startsWith('file://') ? fileURLToPath(url) : url;
    return p.startsWith('/') ? relative(REPO_ROOT, p) : p;
  } catch {
    return url;
  }
}

/** What a frame belongs to: the project's own code, a dependency, Node itself, or V8 pseudo-frames. */
function areaOf(frame: CallFrame): string {
  const f = fileOf(frame.url);
  if (!f) {
    if (frame.functionName === '(garbage collector)') return 'GC';
    if (frame.functionName === '(program)') return '(program: native, not attributed)';
    if (frame.functionName === '(idle)') return '(idle)';
    return 'native / builtin';
  }
  if (f.startsWith('node:')) return `node:${f.slice(5).split('/')[0]}`;
  const nm = f.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = f.slice(nm + 13).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const top = f.split('/');
  return top.length > 1 ? `${top[0]}/${top[1]}` : f;
}

const keyOf = (c: CallFrame) => `${c.functionName || '(anonymous)'}\u0000${fileOf(c.url)}:${c.lineNumber + 1}`;

export function analyzeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Samples under the bench's own profiler control (bench/profiled-entry.ts) are not the server's work.
  const harness = new Set<number>();
  const isHarness = (id: number): boolean => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      if (harness.has(cur)) return true;
      if (fileOf(byId.get(cur)!.callFrame.url).startsWith('bench/')) {
        harness.add(cur);
        return true;
      }
    }
    return false;
  };
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    if (isHarness(id)) continue;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  let totalUs = 0;
  let idleUs = 0;
  const selfByKey = new Map<string, number>();
  const areaUs = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    totalUs += us;
    if (node.callFrame.functionName === '(idle)') idleUs += us;
    const k = keyOf(node.callFrame);
    selfByKey.set(k, (selfByKey.get(k) ?? 0) + us);
    const a = areaOf(node.callFrame);
    areaUs.set(a, (areaUs.get(a) ?? 0) + us);
  }
  // Inclusive time per project function, counting each sample once per function even under recursion.
  const inclByKey = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      const f = fileOf(frame.url);
      if (!f || f.includes('node_modules') || f.startsWith('node:') || f.startsWith('bench/')) continue;
      const k = keyOf(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclByKey.set(k, (inclByKey.get(k) ?? 0) + us);
    }
  }
  // Native self time → the nearest project frame above it (which query, which write, which hash).
  const nativeUs = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.url || ['(idle)', '(program)', '(garbage collector)', '(root)'].includes(frame.functionName)) continue;
    let caller = '(no project frame: HTTP/event loop)';
    for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const file = fileOf(f.url);
      if (file && !file.includes('node_modules') && !file.startsWith('node:')) {
        caller = `${f.functionName || '(anonymous)'}  ${file}:${f.lineNumber + 1}`;
        break;
      }
    }
    const k = `${frame.functionName || '(native)'}\u0000${caller}`;
    nativeUs.set(k, (nativeUs.get(k) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const fmt = (m: Map<string, number>): FnTime[] =>
    [...m.entries()]
      .filter(([k]) => !k.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => {
        const [fn, file] = k.split('\u0000') as [string, string];
        return { fn, file, ms: Math.round(us / 100) / 10, pct: busyUs ? Math.round((us / busyUs) * 1000) / 10 : 0 };
      });
  return {
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    self: fmt(selfByKey),
    inclusiveProject: fmt(inclByKey),
    nativeByCaller: [...nativeUs.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => {
        const [native, caller] = k.split('\u0000') as [string, string];
        return { native, caller, ms: Math.round(us / 100) / 10, pct: busyUs ? Math.round((us / busyUs) * 1000) / 10 : 0 };
      }),
    areas: [...areaUs.entries()]
      .filter(([a]) => a !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, ms: Math.round(us / 1000), pct: busyUs ? Math.round((us / busyUs) * 1000) / 10 : 0 })),
  };
}

export function formatProfile(label: string, s: ProfileSummary, top = 15): string {
  const lines = [`── ${label}: ${s.busyMs} ms busy of ${s.totalMs} ms profiled`];
  lines.push('  by area (self time):');
  for (const a of s.areas.slice(0, 12)) lines.push(`    ${String(a.pct).padStart(5)}%  ${a.area}`);
  lines.push('  top functions by self time:');
  for (const f of s.self.slice(0, top)) lines.push(`    ${String(f.pct).padStart(5)}%  ${f.fn}  ${f.file}`);
  lines.push('  native time (SQLite, socket writes, crypto…) by the project function that called it:');
  for (const f of s.nativeByCaller.slice(0, top)) lines.push(`    ${String(f.pct).padStart(5)}%  ${f.native} ← ${f.caller}`);
  lines.push('  project functions by inclusive time:');
  for (const f of s.inclusiveProject.slice(0, top)) lines.push(`    ${String(f.pct).padStart(5)}%  ${f.fn}  ${f.file}`);
  return lines.join('\n');
}

// ── sampling heap profiles (HeapProfiler.getSamplingProfile): live memory by allocation site ───────

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

export interface HeapSummary {
  liveMb: number;
  /** Live bytes by allocating function (self), largest first. */
  sites: { fn: string; file: string; mb: number; pct: number }[];
  /** Live bytes by the nearest project function on the allocation stack. */
  byProjectCaller: { caller: string; mb: number; pct: number }[];
}

export function analyzeHeap(profile: { head: HeapNode }, top = 15): HeapSummary {
  const sites = new Map<string, number>();
  const byCaller = new Map<string, number>();
  let total = 0;
  const walk = (n: HeapNode, project: string) => {
    const file = fileOf(n.callFrame.url);
    const here = file && !file.includes('node_modules') && !file.startsWith('node:') ? `${n.callFrame.functionName || '(anonymous)'}  ${file}:${n.callFrame.lineNumber + 1}` : project;
    if (n.selfSize) {
      total += n.selfSize;
      const k = `${n.callFrame.functionName || '(anonymous)'}\u0000${file || '(native)'}`;
      sites.set(k, (sites.get(k) ?? 0) + n.selfSize);
      byCaller.set(here, (byCaller.get(here) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk(c, here);
  };
  walk(profile.head, '(no project frame: HTTP server, sockets)');
  const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  const pctOf = (b: number) => (total ? Math.round((b / total) * 1000) / 10 : 0);
  return {
    liveMb: mb(total),
    sites: [...sites.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, b]) => {
        const [fn, file] = k.split('\u0000') as [string, string];
        return { fn, file, mb: mb(b), pct: pctOf(b) };
      }),
    byProjectCaller: [...byCaller.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([caller, b]) => ({ caller, mb: mb(b), pct: pctOf(b) })),
  };
}

export function formatHeap(label: string, h: HeapSummary, top = 12): string {
  const lines = [`── ${label}: ${h.liveMb} MB live at the end of the window, allocated during it (sampled)`];
  lines.push('  by allocating function:');
  for (const s of h.sites.slice(0, top)) lines.push(`    ${String(s.pct).padStart(5)}%  ${s.mb} MB  ${s.fn}  ${s.file}`);
  lines.push('  by nearest project function:');
  for (const s of h.byProjectCaller.slice(0, top)) lines.push(`    ${String(s.pct).padStart(5)}%  ${s.mb} MB  ${s.caller}`);
  return lines.join('\n');
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npx tsx bench/profile.ts <file.cpuprofile> [--top N]');
    process.exit(2);
  }
  const topArg = process.argv.indexOf('--top');
  const top = topArg > 0 ? Number(process.argv[topArg + 1]) : 25;
  const data = JSON.parse(readFileSync(file, 'utf8'));
  if (file.endsWith('.heapprofile')) console.log(formatHeap(file, analyzeHeap(data, top), top));
  else console.log(formatProfile(file, analyzeProfile(data as CpuProfile, top), top));
}
