import type { Decision, Policy } from '../policy/index.js';
import type { CallRow } from '../store/schema/calls.js';
import type { Services } from '../kernel/index.js';

/** probe_limit: identify probing past its limits; call_limit: too many calls from one caller ID. */
export type HandoffReason = 'risk_high' | 'lockout' | 'requested' | 'blocked' | 'probe_limit' | 'call_limit';
const FRAUD_REASONS: readonly HandoffReason[] = ['risk_high', 'blocked', 'probe_limit', 'call_limit'];

/**
 * What a human agent needs to pick the call up: which checks passed and failed and which risk
 * labels are present. Never a code, an answer or audio.
 */
export async function handoffPacket(
  s: Services,
  call: CallRow,
  policy: Policy,
  reason: HandoffReason,
  decision: Decision,
  now: number,
): Promise<Record<string, unknown>> {
  const failed: Record<string, number> = {};
  for (const e of await s.events.forCall(call.id)) {
    if (e.type === 'factor_failed') {
      const f = String(e.data.factor);
      failed[f] = (failed[f] ?? 0) + 1;
    }
  }
  const passed = Object.keys(call.successes);
  // Flags that are raised; descriptive values (e.g. the caller-ID attestation letter) are not risk labels.
  const risk = Object.entries(call.signals)
    .filter(([, v]) => v === true)
    .map(([k]) => k);
  const queue = FRAUD_REASONS.includes(reason) ? (decision.handoff?.queue ?? policy.handoff_queue) : policy.lockout.queue;
  const describe = (o: Record<string, number>) => Object.entries(o).map(([f, n]) => `${f} ×${n}`).join(', ');
  const summary = [
    `Handoff (${reason.replaceAll('_', ' ')}).`,
    call.customerId ? `Caller claims customer ${call.customerId} (by ${call.identifiedBy}).` : 'Caller not identified.',
    passed.length ? `Passed: ${passed.join(', ')}.` : 'No check passed.',
    Object.keys(failed).length ? `Failed: ${describe(failed)}.` : '',
    risk.length ? `Risk: ${risk.join(', ')} (tier ${decision.tier}).` : `Risk tier ${decision.tier}.`,
  ]
    .filter(Boolean)
    .join(' ');
  return {
    queue,
    reason,
    summary,
    customer_id: call.customerId,
    factors_passed: passed,
    factors_failed: failed,
    risk_labels: risk,
    risk_tier: decision.tier,
    policy: decision.policy,
    at: new Date(now).toISOString(),
  };
}
