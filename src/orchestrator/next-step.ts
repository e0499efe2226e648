import { PROOFS } from '../factors/registry.js';
import type { NextStep, Services } from '../kernel/index.js';
import type { Decision, Factor, Policy } from '../policy/index.js';
import type { CallRow } from '../store/schema/calls.js';

export type { NextStep } from '../kernel/index.js';

const HUMAN: NextStep = { step: 'transfer_to_human' };

/**
 * The first factor the policy prefers that this caller can still do on this call, as each factor
 * offers itself (its module's `offer`). When none is left the answer is a factor's fallback or a
 * human, never a weaker factor the policy did not list. A family locked for the customer is
 * skipped (the device-bound DID stays open when only codes or knowledge locked).
 */
export async function nextStep(
  s: Services,
  call: CallRow,
  policy: Policy,
  decision: Decision,
  now: number,
  /** Factors not to offer in this answer (a refused send is never answered with another send). */
  skip: readonly string[] = [],
): Promise<NextStep> {
  if (call.status === 'ended') return { step: 'none' };
  if (call.status === 'handed_off' || call.status === 'blocked') return HUMAN;
  if (decision.outcome === 'handoff' || decision.outcome === 'block') return HUMAN;
  if (decision.allowed) return { step: 'none' };
  if (!call.customerId) return { step: 'identify' };

  const enrolment = await s.customers.enrolmentHint(call.customerId);
  if (!enrolment) return { step: 'identify' };
  const locked = await s.budgets.locked(call.customerId, now);
  const ctx = { s, call: call as CallRow & { customerId: string }, policy, now, enrolment, decision };
  let later: NextStep | undefined;
  for (const factor of decision.eligible) {
    const proof = PROOFS[factor as Factor];
    if (!proof || skip.includes(factor) || locked.has(proof.family)) continue;
    const offer = await proof.offer(ctx);
    if (offer && 'later' in offer) later ??= offer.later;
    else if (offer) return offer;
  }
  return later ?? HUMAN;
}
