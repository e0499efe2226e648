import { fail, ok, policyFor, type Services, type StepContext, type StepResult } from '../../kernel/index.js';
import { LIVE } from '../../store/calls.js';
import type { ScreenReason } from './reasons.js';
import type { Policy } from '../../policy/index.js';
import { signalsFromScreen, type ScreenResult } from '../../providers/voxeq/types.js';
import type { CallRow } from '../../store/schema/calls.js';

/** A screen has answered once any result set its signals (screen_clear is always written, true or false). */
const answered = (call: CallRow) => call.signals.screen_clear !== undefined;

/**
 * Applies a screen verdict to its call and re-evaluates the policy at once: a watch-list hit in
 * the middle of a call hands it off, even after authentication, and closes the post-auth graph.
 */
export async function applyScreenResult(s: Services, result: ScreenResult) {
  const call = await s.calls.get(result.call_id);
  return call ? applyScreenTo(s, call, result) : undefined;
}

/** applyScreenResult for a caller that already holds the call's row. */
async function applyScreenTo(s: Services, call: CallRow, result: ScreenResult) {
  const now = s.clock.now();
  const signals = { ...signalsFromScreen(result), screen_unavailable: false };
  const updated = (await s.calls.applyScreen(call.id, signals, now)) ?? call;
  const labels = Object.entries(signals)
    .filter(([k, v]) => v && k !== 'screen_clear')
    .map(([k]) => k);
  await s.audit.record(call.id, 'screen_result', now, { provider: s.screen.provider?.name ?? 'push', risk: result.risk, labels, score: result.score ?? null });
  if (labels.length) await s.audit.record(call.id, 'screen_risk', now, { risk: result.risk, labels });
  return s.outcome.decide(updated, policyFor(s, updated), now, 'screen');
}

/**
 * A screen that has not answered within `factors.screen.wait_seconds` becomes `screen_unavailable`.
 * Whether that raises the tier is the policy's choice (`on_unavailable`); a fail-open is logged
 * as a degraded event every time, so nobody mistakes it for a clear screen.
 */
export async function checkScreenDeadline(s: Services, call: CallRow, policy: Policy, now: number): Promise<CallRow> {
  return (await applyScreenDeadline(s, call, policy, now)).call;
}

/** checkScreenDeadline, also saying whether this check was the one that raised screen_unavailable. */
async function applyScreenDeadline(s: Services, call: CallRow, policy: Policy, now: number): Promise<{ call: CallRow; raised: boolean }> {
  const unchanged = { call, raised: false };
  if (!s.screen.expected || answered(call) || call.signals.screen_unavailable) return unchanged;
  const cfg = policy.factors.screen;
  if (now - call.createdAt < cfg.wait_seconds * 1000) return unchanged;
  if (s.screen.provider) {
    // One last pull before giving up on the screen.
    const fetched = await s.screen.provider.fetchResult(call.id);
    if (fetched.status === 'ready') return { call: (await applyScreenTo(s, call, { ...fetched.result, call_id: call.id })).call, raised: false };
  }
  // The deadline is reached by a request's check and by the call's timer, possibly at once (and a
  // timer may run twice), and a result may land in between: only the statement that raises the
  // flag on a still unanswered screen records it.
  const updated = await s.calls.raiseSignal(call.id, 'screen_unavailable', now, 'screen_clear');
  if (!updated) return { call: (await s.calls.get(call.id)) ?? call, raised: false };
  await s.audit.record(call.id, 'screen_unavailable', now, { wait_seconds: cfg.wait_seconds, on_unavailable: cfg.on_unavailable });
  if (cfg.on_unavailable === 'fail_open') {
    await s.audit.record(call.id, 'degraded', now, { reason: 'screen_unavailable', policy_choice: 'fail_open' });
  }
  return { call: updated, raised: true };
}

/** The timer kind of a call's screen deadline (its ref: the call id). */
export const SCREEN_DEADLINE = 'screen_deadline';

/** A new call's screen deadline, when a screen is wired in: applied on time even if no request comes. */
export async function startScreenClock(s: Services, call: CallRow, policy: Policy): Promise<void> {
  if (s.screen.expected) s.timers.at(call.id, SCREEN_DEADLINE, call.createdAt + policy.factors.screen.wait_seconds * 1000, call.id);
}

/**
 * The deadline's timer: on a live call still without a screen result, `screen_unavailable`, and
 * the policy evaluated at once (as a result arriving does). Anything else (answered, already
 * unavailable, closed, not yet due) leaves the call as it is.
 */
export async function screenDeadlineDue(s: Services, callId: string, now: number): Promise<void> {
  const call = await s.calls.get(callId);
  if (!call || !LIVE.includes(call.status)) return;
  const policy = policyFor(s, call);
  const { call: updated, raised } = await applyScreenDeadline(s, call, policy, now);
  // Decided on by whoever raised it (a request's check decides as part of its request); a result
  // fetched at the last moment was decided on as it was applied.
  if (raised) await s.outcome.decide(updated, policy, now, 'screen_deadline');
}

/** The `screen` action: where the fraud screen stands for this call (pulling once if a provider is set). */
export async function screenStep({ s, call }: StepContext): Promise<StepResult<ScreenReason>> {
  if (!s.screen.expected) return fail('not_configured', { extra: { screen: { status: 'not_configured' } } });
  let current = call;
  if (!answered(current) && s.screen.provider) {
    const fetched = await s.screen.provider.fetchResult(call.id);
    if (fetched.status === 'ready') current = (await applyScreenTo(s, current, { ...fetched.result, call_id: call.id })).call;
  }
  const sig = current.signals;
  const labels = ['watch_list', 'synthetic_voice', 'profile_mismatch', 'poor_audio'].filter((k) => sig[k] === true);
  const status = sig.screen_high ? 'high' : sig.screen_uncertain ? 'uncertain' : sig.screen_clear !== undefined ? (labels.length ? 'uncertain' : 'clear') : sig.screen_unavailable ? 'unavailable' : 'pending';
  const extra = { screen: { status, labels } };
  if (status === 'clear') return ok({ extra });
  if (status === 'high') return fail('risk_high', { extra });
  return fail(status === 'uncertain' ? 'screen_uncertain' : status === 'unavailable' ? 'screen_unavailable' : 'pending', { extra });
}
