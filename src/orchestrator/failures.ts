import type { Policy } from '../policy/index.js';
import { LIVE } from '../store/calls.js';
import type { CallRow } from '../store/schema/calls.js';
import { closeCall } from './settle.js';
import type { Services } from '../kernel/index.js';

/**
 * Counts one failed check on a call, wherever it happened (a wrong code on the tool, a wrong DID
 * in the app): audit event, the call's failure counter, the wrong-code burst signal, and the lockout
 * handoff. Returns the call as it now stands and whether this failure locked it.
 */
export async function recordFailedCheck(
  s: Services,
  call: CallRow,
  policy: Policy,
  factor: string,
  reason: string,
  now: number,
): Promise<{ call: CallRow; locked: boolean }> {
  await s.audit.record(call.id, 'factor_failed', now, { factor, reason });
  let current = (await s.calls.recordFailure(call.id, now)) ?? call;
  const burst = policy.bursts.wrong_code;
  if (!current.signals.wrong_code_burst) {
    const recent = await s.events.countSince(call.id, 'factor_failed', now - burst.window_seconds * 1000);
    if (recent >= burst.count) {
      // Concurrent failures may all count past the threshold: the one that raises the flag records it.
      const raised = await s.calls.raiseSignal(call.id, 'wrong_code_burst', now);
      if (raised) await s.audit.record(call.id, 'wrong_code_burst', now, { failures_in_window: recent, window_seconds: burst.window_seconds });
      current = raised ?? (await s.calls.get(call.id)) ?? current;
    }
  }
  if (current.failures >= policy.lockout.max_failures && LIVE.includes(current.status)) {
    return { call: await closeCall(s, current, policy, 'lockout', now), locked: true };
  }
  return { call: current, locked: false };
}
