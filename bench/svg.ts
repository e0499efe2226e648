// Hand-written SVG latency histograms (no dependencies): log-scale milliseconds on x, the share of
// requests per bucket on y, p50/p90/p99 and the target as vertical lines.
import type { Histogram, LatencySummary } from './lib/stats.js';
import { fmtMs } from './lib/stats.js';

const W = 760;
const H = 300;
const PAD = { left: 56, right: 20, top: 58, bottom: 44 };
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface SvgInput {
  title: string;
  subtitle: string;
  hist: Histogram;
  latency: LatencySummary;
  /** A latency target (ms) drawn as a red dashed line. */
  targetMs?: number;
  targetLabel?: string;
}

export function histogramSvg(o: SvgInput): string {
  const { counts, minMs, perDecade } = o.hist;
  const total = counts.reduce((a, b) => a + b, 0);
  const first = counts.findIndex((c) => c > 0);
  let last = counts.length - 1;
  while (last > 0 && counts[last] === 0) last--;
  // x range: whole decades around the data (and the target).
  const edge = (i: number) => minMs * 10 ** (i / perDecade);
  let lo = first < 0 ? 0.1 : edge(first);
  let hi = first < 0 ? 100 : edge(last + 1);
  if (o.targetMs) {
    lo = Math.min(lo, o.targetMs);
    hi = Math.max(hi, o.targetMs * 1.05);
  }
  const loDec = Math.floor(Math.log10(lo));
  const hiDec = Math.max(loDec + 1, Math.ceil(Math.log10(hi)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (ms: number) => PAD.left + ((Math.log10(Math.max(ms, 10 ** loDec)) - loDec) / (hiDec - loDec)) * plotW;
  const maxShare = total ? Math.max(...counts) / total : 1;
  const y = (share: number) => PAD.top + plotH - (share / maxShare) * plotH;

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="11">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="${PAD.left}" y="18" font-size="13" font-weight="600" fill="#111">${esc(clip(o.title, 96))}</text>`);
  parts.push(`<text x="${PAD.left}" y="34" fill="#555">${esc(o.subtitle)}</text>`);
  // grid + x ticks (1-2-5 per decade)
  for (let d = loDec; d <= hiDec; d++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** d;
      if (v < 10 ** loDec || v > 10 ** hiDec) continue;
      const xv = x(v);
      parts.push(`<line x1="${xv.toFixed(1)}" y1="${PAD.top}" x2="${xv.toFixed(1)}" y2="${PAD.top + plotH}" stroke="${m === 1 ? '#ddd' : '#f0f0f0'}"/>`);
      parts.push(`<text x="${xv.toFixed(1)}" y="${PAD.top + plotH + 14}" text-anchor="middle" fill="#555">${v >= 1 ? v : v.toPrecision(1)}</text>`);
    }
  }
  parts.push(`<text x="${PAD.left + plotW / 2}" y="${H - 8}" text-anchor="middle" fill="#333">latency (ms, log scale)</text>`);
  // y ticks: share of requests
  for (let k = 0; k <= 4; k++) {
    const share = (maxShare * k) / 4;
    const yv = y(share);
    parts.push(`<line x1="${PAD.left}" y1="${yv.toFixed(1)}" x2="${PAD.left + plotW}" y2="${yv.toFixed(1)}" stroke="#f3f3f3"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${(yv + 4).toFixed(1)}" text-anchor="end" fill="#555">${(share * 100).toFixed(share * 100 < 10 ? 1 : 0)}%</text>`);
  }
  // bars
  if (total > 0) {
    for (let i = first; i <= last; i++) {
      const c = counts[i]!;
      if (c === 0) continue;
      const x0 = x(edge(i));
      const x1 = x(edge(i + 1));
      const yv = y(c / total);
      parts.push(`<rect x="${x0.toFixed(1)}" y="${yv.toFixed(1)}" width="${Math.max(0.8, x1 - x0 - 0.6).toFixed(1)}" height="${(PAD.top + plotH - yv).toFixed(1)}" fill="#4a7bd0"/>`);
    }
  }
  // percentile markers
  const marks: [string, number, string][] = [
    ['p50', o.latency.p50, '#1b5e20'],
    ['p90', o.latency.p90, '#e08a00'],
    ['p99', o.latency.p99, '#8e24aa'],
  ];
  marks.forEach(([label, v, color], k) => {
    if (!Number.isFinite(v)) return;
    const xv = x(v);
    parts.push(`<line x1="${xv.toFixed(1)}" y1="${PAD.top}" x2="${xv.toFixed(1)}" y2="${PAD.top + plotH}" stroke="${color}" stroke-width="1.5"/>`);
    parts.push(`<text x="${(xv + 3).toFixed(1)}" y="${PAD.top + 11 + k * 12}" fill="${color}">${label} ${fmtMs(v)} ms</text>`);
  });
  if (o.targetMs) {
    const xv = x(o.targetMs);
    parts.push(`<line x1="${xv.toFixed(1)}" y1="${PAD.top}" x2="${xv.toFixed(1)}" y2="${PAD.top + plotH}" stroke="#d32f2f" stroke-width="1.5" stroke-dasharray="5 3"/>`);
    parts.push(`<text x="${(xv - 3).toFixed(1)}" y="${PAD.top - 5}" text-anchor="end" fill="#d32f2f">${esc(o.targetLabel ?? `target ${o.targetMs} ms`)}</text>`);
  }
  parts.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${W - PAD.right}" y="34" text-anchor="end" fill="#555">n=${total.toLocaleString('en-US')} · max ${fmtMs(o.latency.max)} ms</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
