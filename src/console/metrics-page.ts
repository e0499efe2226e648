import type { Db } from '../store/db.js';
import { barChart, bucketLabels, percent, ratio, type Bar } from './charts.js';
import { h, isoTime, type Html } from './html.js';
import { totals, windowMetrics, WINDOWS, type Slot, type WindowMetrics, type WindowName } from './metrics-window.js';

// The metrics of GET /metrics over the last hour or day, drawn as SVG on the server.

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

function rateBars(m: WindowMetrics, part: (s: Slot) => number, whole: (s: Slot) => number, noun: string, of: string): Bar[] {
  return m.slots.map((s) => {
    const v = ratio(part(s), whole(s));
    return { label: hhmm(s.from), value: v, detail: v === null ? `no ${of}` : `${percent(v)} (${part(s)} ${noun} of ${whole(s)} ${of})` };
  });
}

function histogramBars(bounds: number[], counts: number[], noun: string): Bar[] {
  return bucketLabels(bounds).map((label, i) => ({ label, value: counts[i] ?? 0, detail: `${counts[i] ?? 0} ${noun}` }));
}

const headlineRatio = (part: number, whole: number) => {
  const v = ratio(part, whole);
  return v === null ? '—' : percent(v);
};

export async function metricsFragment(db: Db, window: WindowName, now: number): Promise<Html> {
  const m = await windowMetrics(db, window, now);
  const t = totals(m);
  const w = WINDOWS[window];
  const every = w.slots > 12 ? 3 : 2;
  const slotNote = `per ${w.slotLabel}, UTC`;
  const verified = m.timeToVerify.counts.reduce((a, b) => a + b, 0);
  const redirected = m.redirectLatency.counts.reduce((a, b) => a + b, 0);
  const maxRate = (bars: Bar[]) => Math.max(1, ...bars.map((b) => b.value ?? 0));
  const wrongDid = rateBars(m, (s) => s.wrongDids, (s) => s.didsIssued, 'wrong DIDs', 'DIDs issued');

  return h`<div class="headline" id="headline">
<div>calls started<b data-metric="calls">${t.calls}</b></div>
<div>containment<b data-metric="containment">${headlineRatio(t.contained, t.decided)}</b><span class="muted">${t.contained} of ${t.decided} with an outcome</span></div>
<div>wrong-code rate<b data-metric="wrong-code-rate">${headlineRatio(t.wrongCodes, t.codeChecks)}</b><span class="muted">${t.wrongCodes} of ${t.codeChecks} code checks</span></div>
<div>wrong-DID rate<b data-metric="wrong-did-rate">${headlineRatio(t.wrongDids, t.didsIssued)}</b><span class="muted">${t.wrongDids} per ${t.didsIssued} DIDs issued</span></div>
<div>authenticated<b data-metric="verified">${verified}</b></div>
<div>redirects<b data-metric="redirects">${redirected}</b></div>
</div>
<div class="charts">
${barChart({
  id: 'chart-time-to-verify',
  title: `Time to verify (${verified} authenticated calls)`,
  bars: histogramBars(m.timeToVerify.boundsSeconds, m.timeToVerify.counts, 'calls'),
  empty: 'no call authenticated in this window',
})}
${barChart({
  id: 'chart-containment',
  title: `Containment, ${slotNote}`,
  bars: rateBars(m, (s) => s.contained, (s) => s.decided, 'contained', 'calls with an outcome'),
  yMax: 1,
  format: percent,
  zeroIsData: true,
  labelEvery: every,
  empty: 'no call with an outcome in this window',
})}
${barChart({
  id: 'chart-wrong-code-rate',
  title: `Wrong-code rate (failed code checks), ${slotNote}`,
  bars: rateBars(m, (s) => s.wrongCodes, (s) => s.codeChecks, 'failed', 'code checks'),
  yMax: 1,
  format: percent,
  zeroIsData: true,
  labelEvery: every,
  empty: 'no code checked in this window',
})}
${barChart({
  id: 'chart-wrong-did-rate',
  title: `Wrong-DID rate (wrong DIDs per DID issued), ${slotNote}`,
  bars: wrongDid,
  yMax: maxRate(wrongDid),
  format: percent,
  zeroIsData: true,
  labelEvery: every,
  empty: 'no DID issued in this window',
})}
${barChart({
  id: 'chart-redirect-latency',
  title: `Confirm-to-redirect latency (${redirected} redirects)`,
  bars: histogramBars(m.redirectLatency.boundsSeconds, m.redirectLatency.counts, 'redirects'),
  empty: 'no call redirected in this window',
})}
${barChart({
  id: 'chart-calls',
  title: `Calls started, ${slotNote}`,
  bars: m.slots.map((s) => ({ label: hhmm(s.from), value: s.calls, detail: `${s.calls} calls` })),
  labelEvery: every,
  empty: 'no call started in this window',
})}
</div>
<p class="muted">Calls started from ${isoTime(m.since)} to ${isoTime(m.until)}, and the events of those calls. Rates are per slot; a grey mark is a slot with nothing to divide by.
Wrong DIDs are those typed while one of the customer's calls was waiting for a DID (GET /metrics also counts device attempts that matched no call).</p>`;
}

export async function metricsPage(db: Db, window: WindowName, now: number): Promise<Html> {
  const links = (Object.keys(WINDOWS) as WindowName[]).map((k) =>
    k === window ? h`<b>${WINDOWS[k].label}</b>` : h`<a href="/console/metrics?window=${k}">${WINDOWS[k].label}</a>`,
  );
  return h`<h1>Metrics</h1>
<p>${links[0]} · ${links[1]}</p>
<div id="metrics" data-refresh="/console/fragments/metrics?window=${window}" data-every="10000">${await metricsFragment(db, window, now)}</div>`;
}
