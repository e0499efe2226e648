import type { Outcomes, Services } from '../kernel/index.js';
import type { Policy } from '../policy/index.js';
import type { CallRow } from '../store/schema/calls.js';
import { LIVE } from '../store/calls.js';
import { voidIssued } from './close.js';
import { ensureCall } from './ensure-call.js';
import { recordFailedCheck } from './failures.js';
import { settleGuess, takeGuess } from './guesses.js';
import { closeCall, settle } from './settle.js';

/** What factors report, handled by the orchestrator (wired into the services once both exist). */
export function createOutcomes(s: Services): Outcomes {
  return {
    openCall: (input) => ensureCall(s, input),
    claim: (call, customerId, by, now) => claimCustomer(s, call, customerId, by, now),
    failedCheck: (call, policy, factor, reason, now) => recordFailedCheck(s, call, policy, factor, reason, now),
    decide: (call, policy, now, trigger) => settle(s, call, policy, now, trigger, true),
    takeGuess: (callId, customerId, family, policy, now) => takeGuess(s, callId, customerId, family, policy, now),
    block: (call, policy, reason, now) => blockCall(s, call, policy, reason, now),
    settleGuess: (callId, customerId, family, taken, result, now) => settleGuess(s, callId, customerId, family, taken, result, now),
  };
}

/**
 * Moves the call's claim to `customerId`, the one way a claim is made (an account ref said to the
 * agent or keyed into an IVR, a host session). Refused once a factor has passed for someone else.
 * When the claim changes hands, every factor voids what it issued for the previous customer,
 * although none of it could count anyway: each is checked against the customer it was issued for.
 */
async function claimCustomer(
  s: Services,
  call: CallRow,
  customerId: string,
  by: 'account_ref' | 'host_session',
  now: number,
): Promise<CallRow | undefined> {
  const updated = await s.calls.identify(call.id, customerId, by, now);
  if (!updated) return undefined;
  if (call.customerId !== null && call.customerId !== customerId) {
    await voidIssued(s, updated, now);
  }
  if (call.customerId !== customerId || call.identifiedBy !== by) {
    await s.audit.record(call.id, 'identified', now, {
      by,
      customer_id: customerId,
      ...(call.customerId !== null ? { previous_customer_id: call.customerId } : {}),
      caller_id_match: call.candidates.includes(customerId),
    });
  }
  return updated;
}

/**
 * A factor learnt the call is fraud (a device said "this wasn't me"): the call is blocked and
 * handed to the fraud queue with its packet, and the customer's other live calls lose whatever
 * was issued on them for the customer, as when a claim moves.
 */
async function blockCall(s: Services, call: CallRow, policy: Policy, reason: string, now: number): Promise<CallRow> {
  await s.audit.record(call.id, 'call_blocked', now, { by: reason });
  const closed = await closeCall(s, call, policy, 'blocked', now);
  // Closing voided what waits on this call (a DID); a code sent on it is void too.
  await voidIssued(s, closed, now);
  if (!call.customerId) return closed;
  for (const status of LIVE) {
    for (const other of await s.calls.list({ status, customerId: call.customerId, limit: 100 })) {
      // Each factor records what it voids (a canceled DID wakes its waiters); a call with nothing outstanding is left as it is.
      if (other.id !== call.id) await voidIssued(s, other, now);
    }
  }
  return closed;
}
