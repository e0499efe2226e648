// autocannon, driven programmatically from the bench process (the server is another process).
// Every response's latency is taken from autocannon's `response` event (hrtime, fractional ms) into
// our own sample buffer, because autocannon's histogram keeps whole milliseconds only.
import autocannon from 'autocannon';
import { Samples } from './stats.js';

export interface CannonSpec {
  url: string;
  path: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** A fresh body per request (i counts up across the run). */
  body?: (i: number) => string;
  connections: number;
  durationS: number;
  /** null when the answer is what the scenario expects, else a short label counted as unexpected. */
  check?: (status: number, body: string) => string | null;
  onTick?: (done: number, elapsedS: number) => void;
}

export interface CannonRun {
  responses: number;
  elapsedS: number;
  rps: number;
  latency: Samples;
  statuses: Record<string, number>;
  unexpected: Record<string, number>;
  /** Connection errors, timeouts included (autocannon `errors`). */
  errors: number;
  timeouts: number;
  non2xx: number;
  /** autocannon's own whole-millisecond view, kept for cross-checking. */
  autocannon: { p50: number; p99: number; max: number; reqPerSecAvg: number };
}

export async function cannon(spec: CannonSpec): Promise<CannonRun> {
  const latency = new Samples();
  const statuses: Record<string, number> = {};
  const unexpected: Record<string, number> = {};
  let i = 0;
  const headers = { 'content-type': 'application/json', ...spec.headers };
  const inst = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationS,
    timeout: 10,
    requests: [
      {
        method: spec.method,
        path: spec.path,
        headers,
        ...(spec.body
          ? {
              setupRequest: (req) => {
                req.body = spec.body!(i++);
                return req;
              },
            }
          : {}),
        ...(spec.check
          ? {
              onResponse: (status: number, body: string) => {
                const bad = spec.check!(status, body);
                if (bad !== null) unexpected[bad] = (unexpected[bad] ?? 0) + 1;
              },
            }
          : {}),
      },
    ],
  });
  const started = performance.now();
  inst.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    latency.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  if (spec.onTick) inst.on('tick', () => spec.onTick!(latency.count, (performance.now() - started) / 1000));
  const result = await inst;
  const elapsedS = (performance.now() - started) / 1000;
  return {
    responses: latency.count,
    elapsedS,
    rps: latency.count / elapsedS,
    latency,
    statuses,
    unexpected,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    autocannon: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, reqPerSecAvg: result.requests.average },
  };
}
