import type { Services } from '../../kernel/index.js';
import type { DidSession } from './store.js';

/**
 * Redirects the live call to the success handler once its session is confirmed: exactly once per
 * session (a conditional claim), however many confirmations or retries arrive. The redirector
 * retries with backoff; each outcome is an event with the confirm-to-redirect latency.
 */
export async function intercept(s: Services, session: DidSession, committedAt: number): Promise<void> {
  const claimed = await s.did.claimIntercept(session.id);
  if (!claimed || !claimed.redirectUrl) return;
  const base = { session_id: session.id, provider: session.provider, call_ref: session.callRef };
  if (!s.redirector) {
    await s.did.finishIntercept(session.id, 'failed');
    await s.audit.record(session.callId, 'intercept_failed', s.clock.now(), { ...base, error: 'twilio_not_configured', attempts: 0 });
    return;
  }
  const result = await s.redirector.redirect(session.callRef, { url: claimed.redirectUrl, method: 'POST' });
  const latency_ms = Math.round((performance.now() - committedAt) * 10) / 10;
  await s.did.finishIntercept(session.id, result.ok ? 'succeeded' : 'failed');
  if (result.ok) {
    await s.audit.record(session.callId, 'intercept_success', s.clock.now(), { ...base, attempts: result.attempts, latency_ms });
  } else {
    await s.audit.record(session.callId, 'intercept_failed', s.clock.now(), { ...base, attempts: result.attempts, error: result.error, latency_ms });
  }
}
