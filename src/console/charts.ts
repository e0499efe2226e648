import { h, type Html } from './html.js';

// Server-rendered SVG bar charts: no script, no style attribute (the CSP allows neither inline),
// colours come from classes in console.css. Every label passes through the escaping template.

export interface Bar {
  label: string;
  /** null: nothing to show for this bar (e.g. a rate over zero events), drawn as a gap, not as 0. */
  value: number | null;
  /** The hover text (an SVG <title>): the bar's exact numbers. */
  detail: string;
}

export interface ChartOptions {
  /** Names the chart for assistive technology and the tests. */
  id: string;
  title: string;
  bars: Bar[];
  /** Upper end of the y axis; default the largest value (at least 1). */
  yMax?: number;
  /** How a y value is written on the axis. */
  format?: (v: number) => string;
  /** Label every n-th bar on the x axis (long series). */
  labelEvery?: number;
  /** Shown across the plot when no bar has a value. */
  empty?: string;
  /** A rate: 0 is a measured value (drawn as a hairline), not the absence of data. */
  zeroIsData?: boolean;
}

const WIDTH = 520;
const HEIGHT = 210;
const LEFT = 46;
const RIGHT = 8;
const TOP = 12;
const BOTTOM = 36;

const round = (v: number) => Math.round(v * 10) / 10;

export function barChart(o: ChartOptions): Html {
  const format = o.format ?? ((v: number) => String(v));
  const values = o.bars.map((b) => b.value).filter((v): v is number => v !== null && Number.isFinite(v));
  const hasData = values.some((v) => v > 0 || (o.zeroIsData === true && v === 0));
  const yMax = o.yMax ?? Math.max(1, ...values);
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const step = o.bars.length > 0 ? plotW / o.bars.length : plotW;
  const barW = Math.max(1, step * 0.72);
  const y = (v: number) => TOP + plotH - (Math.min(Math.max(v, 0), yMax) / yMax) * plotH;
  const every = o.labelEvery ?? 1;

  const grid = [0, 0.5, 1].map((f) => {
    const v = yMax * f;
    return h`<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${round(y(v))}" y2="${round(y(v))}"/><text class="axis" x="${LEFT - 4}" y="${round(y(v) + 4)}" text-anchor="end">${format(v)}</text>`;
  });
  const bars = o.bars.map((b, i) => {
    const x = round(LEFT + i * step + (step - barW) / 2);
    const label = i % every === 0 ? h`<text class="axis" x="${round(x + barW / 2)}" y="${HEIGHT - BOTTOM + 14}" text-anchor="middle">${b.label}</text>` : '';
    if (b.value === null || !Number.isFinite(b.value)) {
      return h`<g class="bar-gap"><title>${b.label}: ${b.detail}</title><rect class="gap" x="${x}" y="${TOP + plotH - 2}" width="${round(barW)}" height="2"/></g>${label}`;
    }
    // A measured zero rate stays visible, unlike a gap.
    const top = round(o.zeroIsData && b.value === 0 ? TOP + plotH - 1.5 : y(b.value));
    return h`<g class="bar"><title>${b.label}: ${b.detail}</title><rect class="value" x="${x}" y="${top}" width="${round(barW)}" height="${round(TOP + plotH - top)}" data-value="${b.value}"/></g>${label}`;
  });
  const empty = hasData
    ? ''
    : h`<text class="empty" x="${LEFT + plotW / 2}" y="${TOP + plotH / 2}" text-anchor="middle">${o.empty ?? 'no data in this window'}</text>`;
  return h`<figure class="chart" id="${o.id}">
<figcaption>${o.title}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${o.id}-title" data-bars="${o.bars.length}">
<title id="${o.id}-title">${o.title}</title>
${grid}
<line class="axis-line" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${TOP + plotH}" y2="${TOP + plotH}"/>
${bars}
${empty}
</svg>
</figure>`;
}

/** Histogram bucket labels from upper bounds in seconds, short enough for the axis: "≤50ms", "≤5s", "≤2m", ">10m". */
export function bucketLabels(boundsSeconds: readonly number[]): string[] {
  const fmt = (b: number) => (b < 1 ? `${Math.round(b * 1000)}ms` : b < 60 || b % 60 !== 0 ? `${b}s` : `${b / 60}m`);
  return [...boundsSeconds.map((b) => `≤${fmt(b)}`), `>${fmt(boundsSeconds.at(-1) ?? 0)}`];
}

export const percent = (v: number) => `${Math.round(v * 100)}%`;

/** A ratio, or null when nothing was counted (a gap in the chart, "—" in text). */
export const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);
