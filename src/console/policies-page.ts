import { z } from 'zod';
import { evaluate, explainDecision, FACTORS, SIGNALS, type Decision, type Policy, type PolicySet } from '../policy/index.js';
import { h, type Html } from './html.js';

// The policies in force and a scenario tester: signals + factors passed → the decision the policy
// module gives, with its reasons. Read-only (a GET form), so it needs no CSRF token.

export interface ScenarioInput {
  policy: string;
  signals: string[];
  factors: string[];
  /** Seconds since each factor passed (an action's max_age_seconds may count it as too old). */
  age: number;
  action: string;
}

export type ScenarioParse = { ok: true; value: ScenarioInput | undefined } | { ok: false; errors: { field: string; message: string }[] };

const scenarioSchema = z.strictObject({
  policy: z.array(z.string().max(64)).max(1),
  signal: z.array(z.enum(SIGNALS, { error: `one of ${SIGNALS.join(', ')}` })).max(SIGNALS.length),
  factor: z.array(z.enum(FACTORS, { error: `one of ${FACTORS.join(', ')}` })).max(FACTORS.length),
  age: z.array(z.string().regex(/^\d{1,6}$/, 'whole seconds, 0–999999')).max(1),
  action: z.array(z.string().max(64)).max(1),
});

/** The tester's query (`?policy=…&signal=…&factor=…`); no `policy` means the form was not sent yet. */
export function parseScenario(query: Record<string, string[]>, set: PolicySet): ScenarioParse {
  const q = scenarioSchema.partial().safeParse(query);
  if (!q.success) {
    return {
      ok: false,
      errors: q.error.issues.map((i) =>
        i.code === 'unrecognized_keys' ? { field: i.keys.join(', '), message: 'unknown parameter' } : { field: String(i.path[0] ?? 'query'), message: i.message },
      ),
    };
  }
  const id = q.data.policy?.[0];
  if (id === undefined) return { ok: true, value: undefined };
  const policy = set.get(id);
  if (!policy) return { ok: false, errors: [{ field: 'policy', message: `no policy "${id}" in force` }] };
  const action = q.data.action?.[0] ?? '';
  if (action !== '' && !(action in policy.actions)) {
    return { ok: false, errors: [{ field: 'action', message: `policy ${id} has no rule for "${action}"` }] };
  }
  return {
    ok: true,
    value: { policy: id, signals: [...new Set(q.data.signal ?? [])], factors: [...new Set(q.data.factor ?? [])], age: Number(q.data.age?.[0] ?? 0), action },
  };
}

export function runScenario(policy: Policy, input: ScenarioInput, now: number): Decision {
  const signals = Object.fromEntries(input.signals.map((sig) => [sig, true]));
  const successes = Object.fromEntries(input.factors.map((f) => [f, now - input.age * 1000]));
  return evaluate(policy, signals, successes, { now, ...(input.action ? { action: input.action } : {}) });
}

function inForceTable(set: PolicySet): Html {
  return h`<table id="in-force"><thead><tr><th>id</th><th>version</th><th>file</th><th>applies to</th></tr></thead><tbody>
${set.inForce().map((p) => {
  const policy = set.get(p.id);
  const applies = policy && Object.keys(policy.applies_to).length ? JSON.stringify(policy.applies_to) : 'any call (no applies_to)';
  return h`<tr data-policy="${p.id}"><td class="mono">${p.id}</td><td>${p.version}</td><td class="mono">${p.file ? p.file.split(/[\\/]/).pop() : '—'}</td><td class="mono">${applies}</td></tr>`;
})}
</tbody></table>`;
}

function form(set: PolicySet, v: ScenarioInput | undefined): Html {
  const chosen = v?.policy ?? 'default';
  const actions = [...new Set(set.list().flatMap((p) => Object.keys(p.actions)))].sort();
  const box = (name: string, value: string, on: boolean) =>
    h`<label><input type="checkbox" name="${name}" value="${value}"${on ? h` checked` : ''}> ${value}</label>`;
  return h`<form method="get" action="/console/policies" id="scenario">
<fieldset><legend>policy</legend><select name="policy">${set.list().map(
    (p) => h`<option value="${p.id}"${p.id === chosen ? h` selected` : ''}>${p.id} v${p.version}</option>`,
  )}</select>
<label>post-auth tool <select name="action"><option value="">(none: the tier threshold)</option>${actions.map(
    (a) => h`<option value="${a}"${a === v?.action ? h` selected` : ''}>${a}</option>`,
  )}</select></label></fieldset>
<fieldset><legend>risk signals present</legend>${SIGNALS.map((sig) => box('signal', sig, v?.signals.includes(sig) ?? false))}</fieldset>
<fieldset><legend>factors passed</legend>${FACTORS.map((f) => box('factor', f, v?.factors.includes(f) ?? false))}
<label>seconds ago <input type="number" name="age" min="0" max="999999" value="${v?.age ?? 0}"></label></fieldset>
<button type="submit">Evaluate</button>
</form>`;
}

function decisionPanel(d: Decision): Html {
  return h`<section class="panel" id="decision" data-outcome="${d.outcome}">
<h2>Decision: <b>${d.outcome}</b> ${d.allowed ? '(privileged tools allowed)' : '(not allowed)'}</h2>
<p>tier <b class="tier-${d.tier}">${d.tier}</b>${d.tier_signals.length ? ` (${d.tier_signals.join(', ')})` : ''} ·
${d.counted.length} of ${d.required} required · counted ${d.counted.join(', ') || 'none'} · eligible ${d.eligible.join(', ') || 'none'}${
    d.handoff ? ` · hand off to ${d.handoff.queue} (${d.handoff.reason})` : ''
  }</p>
<h3>Reasons</h3>
<ul class="reasons" id="reasons">${d.reasons.map((r) => h`<li>${r}</li>`)}</ul>
<p class="muted">The same decision as text, as log lines and the policy CLI write it:</p>
<pre>${explainDecision(d)}</pre>
</section>`;
}

export function policiesPage(set: PolicySet, input: ScenarioInput | undefined, now: number, errors: { field: string; message: string }[] = []): Html {
  const policy = input ? set.get(input.policy) : undefined;
  const decision = policy && input ? runScenario(policy, input, now) : undefined;
  return h`<h1>Policies</h1>
<h2>In force</h2>
${inForceTable(set)}
<p class="muted">New calls get the first policy whose applies_to matches, else default; a call keeps the version it started under.</p>
<h2>Scenario tester</h2>
${errors.length ? h`<div class="error" role="alert" id="errors">${errors.map((e) => h`<p>${e.field}: ${e.message}</p>`)}</div>` : ''}
${form(set, input)}
${decision ? decisionPanel(decision) : ''}`;
}
