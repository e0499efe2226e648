import { policyFor, type Services } from '../kernel/index.js';
import { evaluate } from '../policy/index.js';
import { LIVE } from '../store/calls.js';
import type { Db } from '../store/db.js';
import { h, isoTime, seg, type Html } from './html.js';
import { recentCalls, type CallListRow } from './queries.js';
import { waitingOn } from './waiting.js';

/** The calls page lists calls started this recently: a call older than this is not live any more. */
export const LIST_WINDOW_MS = 6 * 60 * 60 * 1000;
export const LIST_LIMIT = 100;

export const statusBadge = (status: string) => h`<span class="badge status-${status}" data-status="${status}">${status.replace('_', ' ')}</span>`;

function row(s: Services, r: CallListRow, now: number): Html {
  const { call } = r;
  const decision = evaluate(policyFor(s, call), call.signals, call.successes, { now });
  const passed = Object.keys(call.successes);
  return h`<tr data-call-id="${call.id}">
<td class="mono"><a href="/console/calls/${seg(call.id)}">${call.id}</a></td>
<td>${isoTime(call.createdAt)}</td>
<td>${statusBadge(call.status)}</td>
<td class="tier-${decision.tier}" data-tier="${decision.tier}">${decision.tier}</td>
<td>${call.policyId} v${call.policyVersion}</td>
<td class="mono">${call.customerId ?? h`<span class="muted">not identified</span>`}</td>
<td data-factors="${passed.join(' ')}">${passed.length ? passed.join(', ') : h`<span class="muted">none</span>`}</td>
<td data-waiting>${waitingOn(call, decision, r.did, r.otp, now)}</td>
</tr>`;
}

function table(s: Services, rows: CallListRow[], now: number, empty: string): Html {
  if (rows.length === 0) return h`<p class="muted">${empty}</p>`;
  return h`<table>
<thead><tr><th>call</th><th>started</th><th>status</th><th>risk tier</th><th>policy</th><th>customer</th><th>factors passed</th><th>waiting on</th></tr></thead>
<tbody>${rows.map((r) => row(s, r, now))}</tbody>
</table>`;
}

/** The live region of the calls page (also answered alone, for the page's refresh). */
export async function callsFragment(s: Services, db: Db): Promise<Html> {
  const now = s.clock.now();
  const rows = await recentCalls(db, now - LIST_WINDOW_MS, LIST_LIMIT);
  const live = rows.filter((r) => LIVE.includes(r.call.status));
  const closed = rows.filter((r) => !LIVE.includes(r.call.status));
  return h`<h2>Live <span class="muted">(${live.length})</span></h2>
<div id="live-calls">${table(s, live, now, 'No live call right now.')}</div>
<h2>Closed in the last ${LIST_WINDOW_MS / 3_600_000} hours <span class="muted">(${closed.length})</span></h2>
<p class="muted">A handed-off call's page has the button that asks the caller to confirm a Dynamic Identifier in their app.</p>
<div id="closed-calls">${table(s, closed, now, 'None.')}</div>
<p class="muted">As of ${isoTime(now)}${rows.length === LIST_LIMIT ? ` · the newest ${LIST_LIMIT} calls only` : ''}.</p>`;
}

export async function callsPage(s: Services, db: Db): Promise<Html> {
  return h`<h1>Calls</h1>
<div id="calls" data-refresh="/console/fragments/calls" data-every="2000">${await callsFragment(s, db)}</div>`;
}
