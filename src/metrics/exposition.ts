// The Prometheus text exposition format (version 0.0.4): HELP and TYPE lines, then samples.
// Pure string building, so it runs the same on Node and on Workers.

export type Labels = Record<string, string>;

export interface Sample {
  labels?: Labels;
  value: number;
}

export interface HistogramSeries {
  labels?: Labels;
  /** Observations at or below each bound of `buckets`, cumulative, in the same order. */
  cumulative: number[];
  count: number;
  sum: number;
}

export type MetricFamily =
  | { name: string; help: string; type: 'counter' | 'gauge'; samples: Sample[] }
  | { name: string; help: string; type: 'histogram'; buckets: number[]; series: HistogramSeries[] };

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const escapeHelp = (s: string) => s.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
const escapeLabel = (s: string) => s.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const pairs = Object.entries(labels ?? {});
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  for (const [k] of pairs) if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`bad label name ${k}`);
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/** Renders families in the order given; a family with no samples still gets its HELP and TYPE. */
export function render(families: MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (!NAME.test(f.name)) throw new Error(`bad metric name ${f.name}`);
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    if (f.type !== 'histogram') {
      for (const s of f.samples) out.push(`${f.name}${labelText(s.labels)} ${formatValue(s.value)}`);
      continue;
    }
    for (const s of f.series) {
      f.buckets.forEach((le, i) => out.push(`${f.name}_bucket${labelText(s.labels, ['le', formatValue(le)])} ${s.cumulative[i] ?? 0}`));
      out.push(`${f.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}`);
      out.push(`${f.name}_sum${labelText(s.labels)} ${formatValue(s.sum)}`);
      out.push(`${f.name}_count${labelText(s.labels)} ${s.count}`);
    }
  }
  return `${out.join('\n')}\n`;
}
