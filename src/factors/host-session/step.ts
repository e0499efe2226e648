import type { StepContext } from '../../kernel/index.js';
import type { CallRow } from '../../store/schema/calls.js';

/**
 * Applies a host-app session token (docs/host-session.md) before the action runs. A valid token identifies
 * the caller, which can spare the `identify` step; it is never recorded as a success, so it never
 * opens a privileged tool by itself. An invalid, expired or mismatched token is a risk signal.
 */
export async function applyHostSession({ s, call, now }: StepContext, token: string | undefined): Promise<CallRow> {
  if (!token || call.identifiedBy === 'host_session' || call.signals.host_session_invalid) return call;
  const session = await s.hostSessions.verify(token);
  if (session.status === 'absent') return call;
  if (session.status === 'valid') {
    const customer = await s.customers.get(session.customerId);
    const identified = customer ? await s.outcome.claim(call, session.customerId, 'host_session', now) : undefined;
    if (identified?.customerId === session.customerId) return identified;
  }
  // Invalid, or valid for a customer other than the one this call already proved factors for.
  const reason = session.status === 'invalid' ? session.reason : 'customer_mismatch';
  await s.audit.record(call.id, 'host_session_invalid', now, { reason });
  return (await s.calls.setSignal(call.id, 'host_session_invalid', true, now)) ?? call;
}
