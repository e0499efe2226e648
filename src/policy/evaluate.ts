import type { Factor, Policy, Signal, TierName } from './schema.js';

// signals + successes → decision. Pure: no I/O, no clock (the caller passes `now`), so the same
// inputs always give the same decision and every decision can be replayed from the audit trail.

export type Signals = Record<string, boolean | string | number>;
/** factor → epoch ms of its latest success on this call. */
export type Successes = Record<string, number>;
export type Outcome = 'allow' | 'step_up' | 'handoff' | 'block';

export interface EvaluateOptions {
  now: number;
  /** Post-auth tool about to run; its `actions` entry may raise the bar or demand fresh successes. */
  action?: string;
}

export interface Decision {
  policy: { id: string; version: number };
  tier: TierName;
  /** Present signals that chose the tier (a signal is present when truthy). */
  tier_signals: string[];
  outcome: Outcome;
  /** Privileged access (for `action` when given). */
  allowed: boolean;
  /** max(tier.require, action.require); 0 on a handoff or block tier, where nothing can be earned. */
  required: number;
  /** Distinct factors from tier.from present in successes (only fresh ones when the action has max_age_seconds). */
  counted: string[];
  /** tier.from minus counted, in the policy's order of preference. */
  eligible: string[];
  reasons: string[];
  handoff?: { queue: string; reason: string };
}

export function evaluate(policy: Policy, signals: Signals, successes: Successes, opts: EvaluateOptions): Decision {
  const reasons = [`policy ${policy.id} v${policy.version}`];
  const present = presentSignals(policy, signals, reasons);
  const high = policy.risk.high.filter((s) => present.has(s));
  const medium = policy.risk.medium.filter((s) => present.has(s));
  const tierName: TierName = high.length > 0 ? 'high' : medium.length > 0 ? 'medium' : 'low';
  const tier_signals = tierName === 'high' ? high : tierName === 'medium' ? medium : [];
  reasons.push(`tier ${tierName}: ${tier_signals.length > 0 ? tier_signals.join(', ') : 'no risk signal present'}`);
  return evaluateTier(policy, tierName, tier_signals, successes, opts, reasons);
}

/** The decision once the tier is chosen (the monotonicity check asks each tier directly). */
export function evaluateTier(
  policy: Policy,
  tierName: TierName,
  tier_signals: string[],
  successes: Successes,
  opts: EvaluateOptions,
  reasons: string[] = [],
): Decision {
  const base = { policy: { id: policy.id, version: policy.version }, tier: tierName, tier_signals };
  const tier = policy.tiers[tierName];

  if ('handoff' in tier) {
    const queue = tier.queue ?? policy.handoff_queue;
    reasons.push(`${tierName} tier → hand off to ${queue}`);
    return {
      ...base,
      outcome: 'handoff',
      allowed: false,
      required: 0,
      counted: [],
      eligible: [],
      reasons,
      handoff: { queue, reason: `risk_${tierName}` },
    };
  }
  if ('block' in tier) {
    reasons.push(`${tierName} tier → block`);
    return { ...base, outcome: 'block', allowed: false, required: 0, counted: [], eligible: [], reasons };
  }

  // A require tier. The action may ask for more successes and for fresh ones.
  const rule = opts.action === undefined ? undefined : policy.actions[opts.action];
  if (opts.action !== undefined && rule === undefined) reasons.push(`action ${opts.action}: no rule, tier threshold applies`);
  const required = Math.max(tier.require, rule?.require ?? 0);
  const maxAgeMs = rule?.max_age_seconds === undefined ? undefined : rule.max_age_seconds * 1000;
  if (rule) {
    const age = rule.max_age_seconds === undefined ? '' : `, each within ${rule.max_age_seconds} s`;
    reasons.push(`action ${opts.action}: ${required} success(es)${age}`);
  }

  const from: readonly Factor[] = tier.from;
  const counted: string[] = [];
  const stale: string[] = [];
  for (const f of from) {
    const at = successes[f];
    if (typeof at !== 'number' || !Number.isFinite(at) || counted.includes(f)) continue;
    const ageMs = opts.now - at;
    if (maxAgeMs !== undefined && ageMs > maxAgeMs) stale.push(`${f} (${Math.round(ageMs / 1000)} s ago)`);
    else counted.push(f);
  }
  const ignored = Object.keys(successes).filter((f) => !(from as readonly string[]).includes(f));
  const eligible = from.filter((f) => !counted.includes(f));

  reasons.push(`counted: ${counted.length > 0 ? counted.join(', ') : 'none'}`);
  if (ignored.length > 0) reasons.push(`not counted on the ${tierName} tier: ${ignored.join(', ')}`);
  if (stale.length > 0) reasons.push(`too old for ${opts.action}: ${stale.join(', ')}`);

  const allowed = counted.length >= required;
  reasons.push(
    allowed
      ? `${counted.length} of ${required} required → allow`
      : `${counted.length} of ${required} required → step up (eligible: ${eligible.join(', ') || 'none'})`,
  );
  return { ...base, outcome: allowed ? 'allow' : 'step_up', allowed, required, counted, eligible, reasons };
}

/** Truthy signals, minus screen_unavailable when the policy fails open on a missing screen. */
function presentSignals(policy: Policy, signals: Signals, reasons: string[]): Set<string> {
  const present = new Set(Object.keys(signals).filter((k) => Boolean(signals[k])));
  if (present.has('screen_unavailable' satisfies Signal) && policy.factors.screen.on_unavailable === 'fail_open') {
    present.delete('screen_unavailable');
    reasons.push('screen_unavailable ignored (screen.on_unavailable: fail_open)');
  }
  return present;
}

/** Multi-line text for logs, the CLI and operators. */
export function explainDecision(d: Decision): string {
  const list = (xs: string[]) => (xs.length > 0 ? xs.join(', ') : '—');
  const lines = [
    `policy ${d.policy.id} v${d.policy.version}: ${d.outcome}${d.allowed ? ' (allowed)' : ' (not allowed)'}`,
    `tier: ${d.tier}${d.tier_signals.length > 0 ? ` (${d.tier_signals.join(', ')})` : ''}`,
  ];
  if (d.outcome === 'allow' || d.outcome === 'step_up') {
    lines.push(`successes: ${d.counted.length} of ${d.required} required`);
    lines.push(`counted: ${list(d.counted)}`);
    lines.push(`eligible: ${list(d.eligible)}`);
  }
  if (d.handoff) lines.push(`handoff: ${d.handoff.queue} (${d.handoff.reason})`);
  lines.push('reasons:', ...d.reasons.map((r) => `  - ${r}`));
  return lines.join('\n');
}
