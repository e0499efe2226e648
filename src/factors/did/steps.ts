import { fail, ok, type StepContext, type StepResult } from '../../kernel/index.js';
import type { DidReason } from './reasons.js';
import { cancelSession, createSession, readSession, spokenDid } from './sessions.js';
import type { DidSession } from './store.js';

const DEFAULT_WAIT_SECONDS = 10;
/** The longest a did_wait (or an IVR's GET …?wait=) holds: under every platform's tool timeout. */
export const MAX_WAIT_SECONDS = 20;

/**
 * did_issue: a DID for the agent to read out. The caller confirms it in their app; the
 * confirmation (not this tool) records the factor. An unidentified caller may use it too:
 * the confirming device identifies them.
 */
export async function didIssue({ s, call, policy }: StepContext): Promise<StepResult<DidReason>> {
  if (call.customerId) {
    const enrolment = await s.customers.enrolment(call.customerId);
    if (!enrolment?.devices) return fail('not_enrolled');
  }
  const created = await createSession(s, { provider: 'elevenlabs', callRef: call.id, callId: call.id, customerId: call.customerId, policy });
  if (!created.ok) return fail(created.reason);
  const d = created.session;
  const { ttlSeconds, prompts } = spokenDid(d, s.clock.now());
  return ok({ extra: { did: d.did, ttl_seconds: ttlSeconds, attempt: d.attempt, prompts } });
}

/** How long a did_wait may hold: the agent's wait_seconds, capped. */
export const didWaitSeconds = (requested: number | undefined) => Math.min(requested ?? DEFAULT_WAIT_SECONDS, MAX_WAIT_SECONDS);

/**
 * did_wait, answered: the state of the call's latest DID. The holding (until the caller confirms
 * in the app, the DID expires, or wait_seconds pass) happens before, in the orchestrator, which
 * parks the request holding ids only.
 */
export async function didWait({ s, call }: StepContext): Promise<StepResult<DidReason>> {
  const latest = await s.did.latestForCall(call.id);
  if (!latest) return fail('no_session');
  return waitResult(await readSession(s, latest));
}

function waitResult(session: DidSession): StepResult<DidReason> {
  const extra = { did_status: session.status };
  switch (session.status) {
    case 'confirmed':
      return ok({ extra });
    case 'timeout':
      return fail('expired', { extra });
    case 'canceled':
      return fail('canceled', { extra });
    default:
      return fail('pending', { extra });
  }
}

export async function didCancel({ s, call }: StepContext): Promise<StepResult<DidReason>> {
  const latest = await s.did.latestForCall(call.id);
  if (!latest) return fail('no_session');
  const current = await readSession(s, latest);
  if (current.status !== 'pending') return fail('not_pending', { extra: { did_status: current.status } });
  const canceled = await cancelSession(s, current);
  return canceled.status === 'canceled' ? ok({ extra: { did_status: 'canceled' } }) : fail('not_pending', { extra: { did_status: canceled.status } });
}
