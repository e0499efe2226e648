import { initiationPlaceholderVariables } from './configs.js';
import { normalizePhone } from '../factors/shared/normalize.js';
import { policyFor, privilegedAllowed, type Services } from '../kernel/index.js';
import type { Policy } from '../policy/index.js';
import type { CallRow } from '../store/schema/calls.js';
import { ensureCall } from '../orchestrator/ensure-call.js';
import { nextStep } from '../orchestrator/next-step.js';
import { settle } from '../orchestrator/settle.js';

export interface Initiation {
  call_sid: string;
  caller_id?: string | null | undefined;
  agent_id?: string | null | undefined;
  called_number?: string | null | undefined;
  stir_verstat?: string | null | undefined;
}

/**
 * The call's auth_state seeded while the phone rings, answered as the agent's dynamic variables.
 * Caller ID only picks candidate customers; it proves and claims nothing, and the answer is the
 * same for an enrolled and an unknown number.
 */
export async function initiate(s: Services, input: Initiation) {
  const { call_sid, caller_id, agent_id, called_number, stir_verstat } = input;
  const now = s.clock.now();

  // A retried webhook finds its call: the caller-ID lookup runs once, on first sight.
  const stored = await s.calls.get(call_sid);
  let call: CallRow;
  let policy: Policy;
  if (stored) {
    call = stored;
    policy = policyFor(s, stored);
  } else {
    // Candidates stay internal: the claim is made by what the caller says (identify) or a host
    // session, so no answer before a factor passes differs for an enrolled caller ID.
    const phone = caller_id ? normalizePhone(caller_id) : '';
    const candidates = phone ? await s.customers.idsByPhone(phone) : [];
    ({ call, policy } = await ensureCall(s, {
      id: call_sid,
      source: 'initiation',
      agentId: agent_id ?? null,
      calledNumber: called_number ?? null,
      callerId: caller_id ?? null,
      candidates,
      stirVerstat: stir_verstat,
      audit: { caller_id_candidates: candidates.length },
      now,
    }));
  }

  const settled = await settle(s, call, policy, now, 'initiation', false);
  const next = await nextStep(s, settled.call, policy, settled.decision, now);
  return {
    type: 'conversation_initiation_client_data',
    dynamic_variables: {
      ...initiationPlaceholderVariables(),
      auth_call_id: settled.call.id,
      auth_status: settled.call.status,
      auth_privileged_allowed: privilegedAllowed(settled.call, settled.decision),
      auth_next_step: next.step,
      auth_risk_tier: settled.decision.tier,
    },
  };
}
