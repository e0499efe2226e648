import { evaluate, type Decision, type Policy } from '../policy/index.js';
import { LIVE } from '../store/calls.js';
import type { CallRow } from '../store/schema/calls.js';
import { handoffPacket, type HandoffReason } from './handoff.js';
import type { Services } from '../kernel/index.js';
import { closeFactors } from './close.js';

/**
 * Evaluates the policy on the call as stored and moves its status to match: the one place where
 * a decision becomes state. Every transition is a conditional UPDATE, so a concurrent request
 * that settles the same call first simply wins, and terminal calls are never reopened.
 */
export async function settle(
  s: Services,
  call: CallRow,
  policy: Policy,
  now: number,
  trigger: string,
  record: boolean,
): Promise<{ call: CallRow; decision: Decision }> {
  const decision = evaluate(policy, call.signals, call.successes, { now });
  let next = call;
  if (LIVE.includes(call.status)) {
    if (decision.outcome === 'handoff' || decision.outcome === 'block') {
      next = await closeCall(s, call, policy, decision.outcome === 'block' ? 'blocked' : 'risk_high', now, decision);
    } else if (decision.allowed && call.status === 'pending') {
      next = (await s.calls.authenticate(call.id, now)) ?? (await reread(s, call));
    } else if (!decision.allowed && call.status === 'authenticated') {
      // A signal raised the tier after authentication: step up before privileged tools reopen.
      next = (await s.calls.stepDown(call.id, now)) ?? (await reread(s, call));
    }
  }
  if (record || next.status !== call.status) {
    await s.audit.record(call.id, 'policy_decision', now, {
      trigger,
      status: next.status,
      tier: decision.tier,
      tier_signals: decision.tier_signals,
      outcome: decision.outcome,
      allowed: decision.allowed,
      required: decision.required,
      counted: decision.counted,
      reasons: decision.reasons,
      policy: decision.policy,
    });
  }
  return { call: next, decision };
}

/** pending|authenticated → handed_off (or blocked) with a packet for the human who takes over. */
export async function closeCall(
  s: Services,
  call: CallRow,
  policy: Policy,
  reason: HandoffReason,
  now: number,
  /** The decision the packet reports: the caller's own when it has one, else the call's as it stands. */
  decision: Decision = evaluate(policy, call.signals, call.successes, { now }),
): Promise<CallRow> {
  const packet = await handoffPacket(s, call, policy, reason, decision, now);
  const to = reason === 'blocked' ? 'blocked' : 'handed_off';
  const closed = await s.calls.close(call.id, to, packet, now);
  if (!closed) return reread(s, call);
  // What is outstanding (a pending DID an IVR keeps polling) can no longer prove anything.
  await closeFactors(s, closed, now);
  await s.audit.record(call.id, 'handoff', now, {
    queue: packet.queue,
    reason,
    status: to,
    factors_passed: packet.factors_passed,
    factors_failed: packet.factors_failed,
    risk_labels: packet.risk_labels,
  });
  return closed;
}

async function reread(s: Services, call: CallRow): Promise<CallRow> {
  return (await s.calls.get(call.id)) ?? call;
}
