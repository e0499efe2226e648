import type { BenchCustomer, BenchDevice } from '../fixtures.js';
import type { CannonRun } from '../lib/cannon.js';
import type { HttpClient } from '../lib/http.js';
import { RssSampler, type WindowStats } from '../lib/proc.js';
import { histogram, summarize, type Histogram, type LatencySummary, type Samples } from '../lib/stats.js';

export interface Settings {
  quick: boolean;
  connections: number;
  warmupS: number;
  durationS: number;
  fullCallS: number;
  /** Calls long-polling did_wait in the confirm-to-answer scenario. */
  didCalls: number;
  /** Calls waiting on a DID at once in the memory scenario. */
  waitingCalls: number;
  /** Of those, how many a device confirms while all the others wait. */
  waitingConfirms: number;
  statusPool: number;
  /** At most this many set-up requests (enrolment, DIDs issued, calls prepared) in flight at once. */
  setupConcurrency: number;
  /** Long-polls sent in one go before the bench waits for the server to catch up (see didWaiting). */
  waitBurst: number;
}

/** The server under test: the Node entry (`npm start`) or the Cloudflare worker under local workerd (`npm run start:worker`). */
export type Runtime = 'node' | 'worker';

/** `pool`'s concurrency for a set-up step: its own figure, capped by the run's. */
export const setupConcurrency = (ctx: Ctx, wanted: number) => Math.max(1, Math.min(wanted, ctx.settings.setupConcurrency));

export interface Ctx {
  runtime: Runtime;
  url: string;
  pid: number;
  tool: string;
  admin: string;
  /** Calls of history stored before the server started. */
  scale: number;
  /** Unique per server process: keeps call ids distinct across scenarios and runs. */
  tag: string;
  settings: Settings;
  customers: BenchCustomer[];
  devices: BenchDevice[];
  client: HttpClient;
  progress: (text: string) => void;
  /** Around the measured window only (profiling in --profile mode). */
  measure: { begin(label: string): Promise<void>; end(label: string): Promise<void> };
  /** Handed from one scenario to the next on the same server. */
  state: { statusRps?: number; authenticated: { callId: string; conversationId: string }[] };
}

export interface Series {
  label: string;
  latency: LatencySummary;
  hist: Histogram;
}

export interface ScenarioResult {
  id: string;
  /** Absent in runs recorded before both runtimes were benched: node. */
  runtime?: Runtime;
  title: string;
  scale: number;
  connections: number;
  durationS: number;
  requests: number;
  rps: number;
  /** The scenario's headline latency (per request, or confirm-to-answer for the DID scenarios). */
  latency: LatencySummary;
  latencyLabel: string;
  hist: Histogram;
  errors: { total: number; connErrors: number; timeouts: number; non2xx: number; unexpected: Record<string, number> };
  rss: { startMb: number; peakMb: number; endMb: number; hwmMb: number };
  /** What the server process spent per request in the measured window (from /proc: CPU, syscalls, bytes written). */
  perRequest?: { cpuUs: number; readSyscalls: number; writeSyscalls: number; bytesWritten: number };
  /** Further latency series (steps of a full call, the upper bound of confirm-to-answer…). */
  series?: Series[];
  extra?: Record<string, unknown>;
  notes?: string[];
}

export type Scenario = (ctx: Ctx) => Promise<ScenarioResult>;

export const series = (label: string, samples: Samples | number[]): Series => ({ label, latency: summarize(samples), hist: histogram(samples) });

/** A ScenarioResult from one autocannon run. */
export function perRequest(w: WindowStats, requests: number): ScenarioResult['perRequest'] {
  if (!requests) return undefined;
  const r = (v: number, d = 1) => Math.round((v / requests) * 10 ** d) / 10 ** d;
  return { cpuUs: r(w.cpuMs * 1000, 0), readSyscalls: r(w.io.syscr), writeSyscalls: r(w.io.syscw), bytesWritten: r(w.io.wchar, 0) };
}

export function fromCannon(
  meta: { id: string; title: string; scale: number; connections: number },
  run: CannonRun,
  window: WindowStats,
  extra?: Record<string, unknown>,
): ScenarioResult {
  const { cpuMs: _cpu, io: _io, ...rss } = window;
  const unexpected = { ...run.unexpected };
  const unexpectedTotal = Object.values(unexpected).reduce((a, b) => a + b, 0);
  return {
    ...meta,
    durationS: Math.round(run.elapsedS * 10) / 10,
    requests: run.responses,
    rps: Math.round(run.rps),
    latency: summarize(run.latency),
    latencyLabel: 'per request',
    hist: histogram(run.latency),
    errors: { total: unexpectedTotal + run.errors, connErrors: run.errors, timeouts: run.timeouts, non2xx: run.non2xx, unexpected },
    rss,
    perRequest: perRequest(window, run.responses),
    extra: { statuses: run.statuses, autocannon_ms: run.autocannon, ...extra },
  };
}

export function sampler(ctx: Ctx): RssSampler {
  return new RssSampler(ctx.pid).start();
}

export const tally = (m: Record<string, number>, key: string) => {
  m[key] = (m[key] ?? 0) + 1;
};

export const uniq = (ctx: Ctx, kind: string, i: number) => `CA${ctx.tag}${kind}${i.toString(36)}`;
export const convOf = (callId: string) => `conv_${callId}`;
