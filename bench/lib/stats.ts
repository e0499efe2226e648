// Latency samples (milliseconds, sub-microsecond precision) → percentiles and a log-scale histogram.
// autocannon's own histogram records whole milliseconds; every figure the bench reports comes from
// here, measured per response from the `response` event (hrtime), so 0.4 ms and 0.9 ms differ.

export class Samples {
  private buf = new Float64Array(4096);
  private n = 0;

  push(ms: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = ms;
  }

  get count(): number {
    return this.n;
  }

  values(): Float64Array {
    return this.buf.subarray(0, this.n);
  }
}

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Nearest-rank percentiles over every sample. */
export function summarize(samples: Samples | Float64Array | number[]): LatencySummary {
  const raw = samples instanceof Samples ? samples.values() : samples;
  const sorted = Float64Array.from(raw).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0, min: NaN, mean: NaN, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN };
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: n, min: sorted[0]!, mean: sum / n, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: sorted[n - 1]! };
}

/** Log-spaced buckets: BUCKETS_PER_DECADE per factor of ten from MIN_MS up to MAX_MS. */
export const HIST_MIN_MS = 0.01;
export const HIST_MAX_MS = 100_000;
export const BUCKETS_PER_DECADE = 20;

export interface Histogram {
  /** Lower edge of bucket i is HIST_MIN_MS * 10^(i / BUCKETS_PER_DECADE). */
  counts: number[];
  minMs: number;
  perDecade: number;
}

export function histogram(samples: Samples | Float64Array | number[]): Histogram {
  const raw = samples instanceof Samples ? samples.values() : samples;
  const decades = Math.log10(HIST_MAX_MS / HIST_MIN_MS);
  const counts = new Array<number>(Math.ceil(decades * BUCKETS_PER_DECADE)).fill(0);
  for (const v of raw) {
    const i = v <= HIST_MIN_MS ? 0 : Math.min(counts.length - 1, Math.floor(Math.log10(v / HIST_MIN_MS) * BUCKETS_PER_DECADE));
    counts[i]!++;
  }
  return { counts, minMs: HIST_MIN_MS, perDecade: BUCKETS_PER_DECADE };
}

export const round = (v: number, digits = 2) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);

export function fmtMs(v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (v < 1) return `${v.toFixed(2)}`;
  if (v < 100) return `${v.toFixed(1)}`;
  return `${Math.round(v)}`;
}
