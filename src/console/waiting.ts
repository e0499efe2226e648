import type { Decision } from '../policy/index.js';
import type { CallRow } from '../store/schema/calls.js';
import type { Pending } from './queries.js';

// What a call is waiting on, for the calls list, from the row the list query read: the call, its
// policy decision (pure), its newest DID session and code challenge. No further query per row, so
// it names the step the agent was last given rather than re-running every cross-call limit; the
// call's own page asks the orchestrator's next-step logic itself.

const live = (p: Pending | null, now: number) => p !== null && p.status === 'pending' && p.expiresAt > now;

export function waitingOn(call: CallRow, decision: Decision, did: Pending | null, otp: Pending | null, now: number): string {
  switch (call.status) {
    case 'ended':
      return 'nothing: the call ended';
    case 'handed_off':
    case 'blocked': {
      const queue = typeof call.handoff?.queue === 'string' ? call.handoff.queue : 'a person';
      if (did?.status === 'confirmed') return `a human agent (${queue}); caller verified by device`;
      return call.status === 'blocked' ? `nothing: blocked by policy (${queue})` : `a human agent (${queue})`;
    }
  }
  if (decision.outcome === 'handoff' || decision.outcome === 'block') return `transfer to a human (${decision.outcome})`;
  if (decision.allowed) return call.status === 'authenticated' ? 'nothing: privileged tools open' : 'authentication (settling)';
  if (!call.customerId) return 'identify: the caller names their account';
  if (live(did, now)) return 'did_wait: the caller confirms the DID in the app';
  if (live(otp, now)) return 'otp_verify: the caller reads the code';
  const asked = Object.entries(call.kbaAsked).find(([level]) => call.successes[`kba_${level}`] === undefined);
  if (asked) return `kba_verify: the caller answers a ${asked[0]} question`;
  const counted = `${decision.counted.length} of ${decision.required} factors`;
  return decision.eligible.length ? `step-up (${counted}): one of ${decision.eligible.join(', ')}` : `a human (${counted}, none left)`;
}
