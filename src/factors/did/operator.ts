import { policyFor, type Services } from '../../kernel/index.js';
import type { DidSession } from './store.js';
import type { AppAnswer } from './confirm.js';
import { createSession, onResolved, readSession } from './sessions.js';

// A Dynamic Identifier a human agent reads to a caller after the call was handed off to them
// (the console's button). It proves to that person that the caller holds the claimed customer's
// enrolled device, and nothing to callgate: the call stays handed off, no factor is recorded, no
// privileged tool reopens. The session is bound to the customer the call claimed at handoff —
// the operator names the call, never a customer — so the button cannot send a confirmation
// request to an arbitrary customer's phone.

/** How long after the handoff the human agent may still ask for a confirmation (they are on the call). */
export const OPERATOR_DID_WINDOW_MS = 30 * 60 * 1000;

export type OperatorDidRefusal =
  | 'unknown_call'
  | 'not_handed_off'
  | 'handoff_too_old'
  | 'not_identified'
  | 'not_enrolled'
  | 'locked'
  | 'max_retries'
  | 'already_confirmed'
  | 'did_unavailable';

export type OperatorDidResult = { ok: true; session: DidSession; created: boolean } | { ok: false; reason: OperatorDidRefusal; session?: DidSession };

/** When the call was handed off: the packet's own instant, else its last change (terminal calls do not change). */
export function handedOffAt(call: { handoff: Record<string, unknown> | null; updatedAt: number }): number {
  const at = typeof call.handoff?.at === 'string' ? Date.parse(call.handoff.at) : NaN;
  return Number.isFinite(at) ? at : call.updatedAt;
}

/**
 * Issues (or returns the pending) operator DID for a handed-off call. `operator` names who asked
 * (the console session), for the audit trail. Idempotent while a DID is pending; a reissue after a
 * timeout is bounded by the call's policy (`did.max_retries`), like the agent's.
 */
export async function issueOperatorDid(s: Services, callId: string, operator: { consoleSession: string }): Promise<OperatorDidResult> {
  const now = s.clock.now();
  const call = await s.calls.get(callId);
  if (!call) return { ok: false, reason: 'unknown_call' };
  // Only a call a person took over: a live call has its own DID path, and a blocked one is refused by policy.
  if (call.status !== 'handed_off') return { ok: false, reason: 'not_handed_off' };
  if (now - handedOffAt(call) > OPERATOR_DID_WINDOW_MS) return { ok: false, reason: 'handoff_too_old' };
  const customerId = call.customerId;
  if (!customerId) return { ok: false, reason: 'not_identified' };
  const enrolment = await s.customers.enrolment(customerId);
  if (!enrolment?.devices) return { ok: false, reason: 'not_enrolled' };
  // The customer's DID guesses are spent or locked: as for the agent, no new DID while locked.
  if ((await s.budgets.locked(customerId, now)).has('did')) return { ok: false, reason: 'locked' };

  const created = await createSession(s, { provider: 'operator', callRef: call.id, callId: call.id, customerId, policy: policyFor(s, call) });
  if (!created.ok) return created;
  if (created.created) {
    await s.audit.record(call.id, 'operator_did_issued', now, {
      session_id: created.session.id,
      customer_id: customerId,
      attempt: created.session.attempt,
      by: 'console',
      console_session: operator.consoleSession,
    });
  }
  return created;
}

/**
 * A device confirms an operator's DID (POST /app/confirm, after the signature and the customer
 * were checked): the session moves to confirmed, the agent's page shows it, and the call is left
 * exactly as it is.
 */
export async function confirmOperatorSession(
  s: Services,
  stored: DidSession,
  device: { id: string; customerId: string },
  now: number,
): Promise<AppAnswer> {
  const session = await readSession(s, stored);
  const confirmed = session.status === 'pending' ? await s.did.confirm(session.id, device.id, device.customerId, now) : undefined;
  if (!confirmed) {
    const current = (await s.did.get(session.id)) ?? session;
    await s.audit.record(session.callId, 'late_confirmation', now, {
      session_id: session.id,
      device_id: device.id,
      session_status: current.status,
      accepted: false,
    });
    return { status: 409, body: { success: false, reason: 'session_terminal', status: current.status } };
  }
  await onResolved(s, confirmed, 'confirmed', now, { device_id: device.id });
  return { status: 200, body: { success: true, status: 'confirmed' } };
}
