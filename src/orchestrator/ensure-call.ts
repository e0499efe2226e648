import type { Policy } from '../policy/index.js';
import type { NewCall } from '../store/calls.js';
import type { CallRow } from '../store/schema/calls.js';
import { policyFor, type Services } from './services.js';

export type EnsureCallInput = Omit<NewCall, 'policyId' | 'policyVersion'> & {
  /** Extra labels for the one `call_created` event (provider, caller-ID candidates…). */
  audit?: Record<string, unknown>;
};

/**
 * The call's auth_state, created on first sight with the policy its line selects (`applies_to`),
 * and the one `call_created` event. Idempotent per call id: a retry or a race gets the stored call
 * and its stored policy, whatever it sends now.
 */
export async function ensureCall(s: Services, input: EnsureCallInput): Promise<{ call: CallRow; policy: Policy }> {
  const { audit, ...call } = input;
  const selected = s.policies().select({ called_number: call.calledNumber ?? undefined, agent_id: call.agentId ?? undefined });
  const ensured = await s.calls.ensure({ ...call, policyId: selected.id, policyVersion: selected.version });
  if (ensured.created) {
    await s.audit.record(ensured.call.id, 'call_created', call.now, {
      source: call.source,
      ...audit,
      policy: { id: selected.id, version: selected.version },
    });
  }
  return { call: ensured.call, policy: policyFor(s, ensured.call) };
}
