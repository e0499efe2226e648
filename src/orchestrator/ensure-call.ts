import type { Policy } from '../policy/index.js';
import type { CallRow } from '../store/schema/calls.js';
import { policyFor, type OpenCall, type Services } from '../kernel/index.js';
import { callerIdSignals } from './caller-id.js';
import { closeCall } from './settle.js';
import { normalizePhone } from '../factors/shared/normalize.js';
import { factorModules } from '../factors/registry.js';


/**
 * The call's auth_state, created on first sight with the policy its line selects (`applies_to`),
 * and the one `call_created` event. Idempotent per call id: a retry or a race gets the stored call
 * and its stored policy, whatever it sends now.
 */
export async function ensureCall(s: Services, input: OpenCall): Promise<{ call: CallRow; policy: Policy }> {
  const { audit, stirVerstat, ...given } = input;
  // One spelling per number, so "+1 415…" and "+1415…" share the per-caller-ID cap; a withheld
  // number ("anonymous", "restricted") is no caller ID at all, not one bucket shared by everybody.
  // A call that rang carries its caller ID's attestation as signals; a web session has none.
  const call = {
    ...given,
    callerId: given.callerId ? normalizePhone(given.callerId) || null : null,
    ...(given.source === 'tool' ? {} : { signals: callerIdSignals(stirVerstat) }),
  };
  const selected = s.policies().select({ called_number: call.calledNumber ?? undefined, agent_id: call.agentId ?? undefined });
  const ensured = await s.calls.ensure({ ...call, policyId: selected.id, policyVersion: selected.version });
  const policy = policyFor(s, ensured.call);
  if (!ensured.created) return { call: ensured.call, policy };
  await s.audit.record(ensured.call.id, 'call_created', call.now, {
    source: call.source,
    ...audit,
    policy: { id: selected.id, version: selected.version },
  });
  // Many calls from one number (spoofed or not) go to a human: nothing is sent, nothing guessed.
  const cap = policy.limits.calls_per_caller_id;
  if (call.callerId) {
    const rank = await s.calls.rankFromCaller(ensured.call.id, call.callerId, call.now - cap.window_seconds * 1000, cap.max + 1);
    if (rank > cap.max) {
      await s.audit.record(ensured.call.id, 'call_limited', call.now, { calls_in_window: rank, limit: cap.max });
      return { call: await closeCall(s, ensured.call, policy, 'call_limit', call.now), policy };
    }
  }
  // The clocks factors keep on a call (the screen's wait) start with it; a call closed at once by
  // the cap above gets none (a flood from one number costs no timer, no object).
  for (const m of factorModules()) await m.onOpen?.(s, ensured.call, policy, call.now);
  return { call: ensured.call, policy };
}
