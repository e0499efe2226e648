import { nextStep } from '../orchestrator/next-step.js';
import { policyFor, type Services } from '../kernel/index.js';
import { evaluate } from '../policy/index.js';
import { LIVE } from '../store/calls.js';
import type { EventRow } from '../store/events.js';
import type { CallRow } from '../store/schema/calls.js';
import { statusBadge } from './calls-page.js';
import { didPanel } from './did-panel.js';
import { h, isoTime, json, seg, since, type Html } from './html.js';

// One call: where it stands now, the operator's DID for a handed-off call, the handoff packet,
// every policy decision with its reasons, and the whole audit trail. Two queries (the call and its
// events) plus, for a handed-off call, its operator DID session; a live call also asks the
// orchestrator's next-step logic, exactly what the agent would be told now.

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function decisionRow(e: EventRow, start: number): Html {
  const d = e.data;
  const counted = strings(d.counted);
  // The first reason names the policy, which has its own column.
  const reasons = strings(d.reasons).slice(1);
  const policy = d.policy as { id?: unknown; version?: unknown } | undefined;
  return h`<tr data-event-id="${e.id}">
<td>${since(e.at, start)}<br><span class="muted">${isoTime(e.at)}</span></td>
<td>${String(d.trigger ?? '')}</td>
<td>${policy ? `${String(policy.id)} v${String(policy.version)}` : ''}</td>
<td>${String(d.status ?? '')}</td>
<td>${String(d.tier ?? '')}</td>
<td><b>${String(d.outcome ?? '')}</b></td>
<td>${counted.length}/${String(d.required ?? '?')} ${counted.length ? `(${counted.join(', ')})` : ''}</td>
<td><ul class="reasons">${reasons.map((r) => h`<li>${r}</li>`)}</ul></td>
</tr>`;
}

function handoffPanel(call: CallRow): Html {
  const p = call.handoff;
  if (!p) return h``;
  const failed = (p.factors_failed ?? {}) as Record<string, unknown>;
  return h`<section class="panel" id="handoff">
<h2>Handoff packet</h2>
<p>${String(p.summary ?? '')}</p>
<table><tbody>
<tr><th>queue</th><td>${String(p.queue ?? '')}</td><th>reason</th><td>${String(p.reason ?? '')}</td></tr>
<tr><th>factors passed</th><td>${strings(p.factors_passed).join(', ') || '—'}</td><th>factors failed</th><td>${Object.entries(failed).map(([f, n]) => `${f} ×${String(n)}`).join(', ') || '—'}</td></tr>
<tr><th>risk labels</th><td>${strings(p.risk_labels).join(', ') || '—'}</td><th>risk tier</th><td>${String(p.risk_tier ?? '')}</td></tr>
<tr><th>customer</th><td class="mono">${String(p.customer_id ?? '—')}</td><th>at</th><td>${String(p.at ?? '')}</td></tr>
</tbody></table>
</section>`;
}

/** The refreshing part of a call's page (also answered alone, for the page's refresh). */
export async function callFragment(s: Services, call: CallRow, csrf: string): Promise<Html> {
  const now = s.clock.now();
  const policy = policyFor(s, call);
  const events = await s.events.forCall(call.id);
  const decision = evaluate(policy, call.signals, call.successes, { now });
  const next = LIVE.includes(call.status) ? await nextStep(s, call, policy, decision, now) : undefined;
  const start = call.createdAt;
  const present = Object.entries(call.signals).filter(([, v]) => Boolean(v));
  const decisions = events.filter((e) => e.type === 'policy_decision');

  return h`<section class="panel" id="summary">
<p>${statusBadge(call.status)} · source ${call.source} · policy <b>${call.policyId} v${call.policyVersion}</b> · started ${isoTime(call.createdAt)}${
    call.authenticatedAt ? ` · authenticated ${since(call.authenticatedAt, start)}` : ''
  }</p>
<p>customer <span class="mono">${call.customerId ?? 'not identified'}</span>${call.identifiedBy ? ` (by ${call.identifiedBy})` : ''} ·
factors passed <b data-factors="${Object.keys(call.successes).join(' ')}">${Object.keys(call.successes).join(', ') || 'none'}</b> · failed checks ${call.failures} ·
signals ${present.length ? present.map(([k, v]) => (v === true ? k : `${k}=${String(v)}`)).join(', ') : 'none'}</p>
${
  next
    ? h`<p>Now: tier <b class="tier-${decision.tier}">${decision.tier}</b>, <b>${decision.outcome}</b>
(${decision.counted.length} of ${decision.required} required${decision.eligible.length ? `; eligible ${decision.eligible.join(', ')}` : ''})
· next step <b data-next-step="${next.step}">${next.step}</b>${next.args ? ` ${json(next.args)}` : ''}</p>
<ul class="reasons">${decision.reasons.map((r) => h`<li>${r}</li>`)}</ul>`
    : h`<p>Automation has ended for this call (${call.status.replace('_', ' ')}): nothing it proves now reopens a tool. The decisions that brought it here are below.</p>`
}
</section>
${call.status === 'handed_off' || call.status === 'blocked' ? await didPanel(s, call, csrf) : ''}
${handoffPanel(call)}
<h2>Policy decisions <span class="muted">(${decisions.length})</span></h2>
${
  decisions.length
    ? h`<table id="decisions"><thead><tr><th>at</th><th>trigger</th><th>policy</th><th>status</th><th>tier</th><th>outcome</th><th>counted</th><th>reasons</th></tr></thead>
<tbody>${decisions.map((e) => decisionRow(e, start))}</tbody></table>`
    : h`<p class="muted">None recorded yet.</p>`
}
<h2>Timeline <span class="muted">(${events.length} events)</span></h2>
<table id="timeline"><thead><tr><th>at</th><th>type</th><th>data</th></tr></thead>
<tbody>${events.map(
    (e) => h`<tr data-type="${e.type}"><td>${since(e.at, start)}<br><span class="muted">${isoTime(e.at)}</span></td><td>${e.type}</td><td class="mono">${json(e.data)}</td></tr>`,
  )}</tbody></table>`;
}

/** `error`: why the last button press was refused, shown above the refreshing region so it stays. */
export async function callPage(s: Services, call: CallRow, csrf: string, error?: string): Promise<Html> {
  return h`<h1>Call <span class="mono">${call.id}</span></h1>
<p><a href="/console/calls">← all calls</a></p>
${error ? h`<p class="error" role="alert" id="error">${error}</p>` : ''}
<div id="call" data-refresh="/console/fragments/calls/${seg(call.id)}" data-every="1500">${await callFragment(s, call, csrf)}</div>`;
}
