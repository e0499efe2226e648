import { policyFor, type Services } from '../../kernel/index.js';
import type { Policy } from '../../policy/index.js';
import { LIVE } from '../../store/calls.js';
import type { CallRow } from '../../store/schema/calls.js';
import type { PushChallenge } from './store.js';
import { readChallenge, resolved } from './challenge.js';
import { formatRefusal, refuse, signedBy, type AppAnswer } from './device-auth.js';
import { approveMessage, denyMessage } from './messages.js';

export interface Answer {
  challengeId: string;
  deviceId: string;
  nonce: string;
  signature: string;
}

/**
 * The checks every answer passes before it may change anything: the challenge exists for this
 * device, the signature is well formed and made by the device's key over the stored values.
 * Every refusal here changes nothing.
 */
async function verified(s: Services, a: Answer, message: (c: PushChallenge) => string): Promise<{ challenge: PushChallenge } | { refused: AppAnswer }> {
  const now = s.clock.now();
  if (!(await s.rateLimit.take(`app:push:${a.deviceId}`, 30, 60_000, now))) return { refused: refuse(429, 'rate_limited') };
  const format = formatRefusal(a.signature);
  if (format) return { refused: format };
  const stored = await s.push.get(a.challengeId);
  // Another device's challenge is as unknown as a missing one.
  if (!stored || stored.deviceId !== a.deviceId) return { refused: refuse(404, 'unknown_challenge') };
  if (!(await signedBy(s, a.deviceId, message(stored), a.signature))) {
    await s.audit.record(stored.callId, 'push_answer_refused', now, { challenge_id: stored.id, device_id: a.deviceId, reason: 'bad_signature' });
    return { refused: refuse(401, 'bad_signature') };
  }
  // The nonce the app was given with this challenge, and no other (it is single use: the one
  // answer the challenge takes moves it out of 'pending').
  if (a.nonce !== stored.nonce) return { refused: refuse(409, 'nonce_invalid') };
  return { challenge: stored };
}

/** Why a challenge that is no longer pending took no answer. */
const notPending = (c: PushChallenge): AppAnswer => refuse(409, c.status === 'expired' ? 'expired' : 'not_pending', { status: c.status });

/**
 * POST /app/push/approve: the device signs the number it chose. The right one approves (one
 * conditional UPDATE: of any number of concurrent approvals exactly one wins); a decoy is a failed
 * check on the call and a fraud signal, and ends the challenge.
 */
export async function approve(s: Services, a: Answer & { number: string }): Promise<AppAnswer> {
  const checked = await verified(s, a, (c) => approveMessage({ challengeId: c.id, callBinding: c.callBinding, number: a.number, nonce: a.nonce }));
  if ('refused' in checked) return checked.refused;
  const stored = checked.challenge;
  if (!stored.choices.includes(a.number)) return refuse(400, 'not_a_choice', { errors: [{ field: 'number', message: 'one of the choices the challenge offered' }] });
  const current = await readChallenge(s, stored);
  if (current.status !== 'pending') return notPending(current);
  const call = await s.calls.get(current.callId);
  if (!call) return refuse(404, 'unknown_challenge');
  const policy = policyFor(s, call);
  const now = s.clock.now();
  if (a.number !== current.number) return wrongNumber(s, current, call, policy, a, now);

  const approved = await s.push.approve(current.id, a.nonce, a.number, now);
  if (!approved) {
    const after = await readChallenge(s, (await s.push.get(current.id)) ?? current);
    if (after.status !== 'pending') return notPending(after);
    const latestCall = (await s.calls.get(call.id)) ?? call;
    return refuse(409, LIVE.includes(latestCall.status) ? 'identity_changed' : 'call_closed');
  }
  const factor = policy.factors.push.counts_as;
  const passed = await s.calls.recordSuccess(call.id, factor, approved.customerId, now);
  if (!passed) {
    // The claim moved between the check and the commit: the approval proves nothing for the call.
    await resolved(s, approved, 'push_approved', now, { counted: false });
    return refuse(409, 'identity_changed');
  }
  await s.audit.record(call.id, 'factor_passed', now, { factor, via: 'push', challenge_id: approved.id });
  await s.outcome.decide(passed, policy, now, 'push_approve');
  // Woken last, so a held push_wait reads the call already authenticated.
  await resolved(s, approved, 'push_approved', now, { counted: true });
  return { status: 200, body: { success: true, status: 'approved' } };
}

/** A decoy chosen: the challenge ends, the call records a failed check and the signal. */
async function wrongNumber(s: Services, c: PushChallenge, call: CallRow, policy: Policy, a: Answer & { number: string }, now: number): Promise<AppAnswer> {
  const rejected = await s.push.answer(c.id, a.nonce, 'rejected', a.number, now);
  if (!rejected) return notPending((await s.push.get(c.id)) ?? c);
  const flagged = (await s.calls.setSignal(call.id, 'push_wrong_number', true, now)) ?? call;
  const failed = await s.outcome.failedCheck(flagged, policy, 'push', 'wrong_number', now);
  if (!failed.locked) await s.outcome.decide(failed.call, policy, now, 'push_wrong_number');
  await resolved(s, rejected, 'push_wrong_number', now);
  return refuse(409, 'wrong_number', { status: 'rejected' });
}

/**
 * POST /app/push/deny: "this wasn't me". The call is blocked for the fraud queue, the customer's
 * other pending challenges are voided, and pushes to the customer pause for the policy's window.
 * A denial is a report: it is taken while the challenge is pending, even past its TTL.
 */
export async function deny(s: Services, a: Answer): Promise<AppAnswer> {
  const checked = await verified(s, a, (c) => denyMessage({ challengeId: c.id, callBinding: c.callBinding, nonce: a.nonce }));
  if ('refused' in checked) return checked.refused;
  const now = s.clock.now();
  const denied = await s.push.answer(checked.challenge.id, a.nonce, 'denied', null, now);
  if (!denied) return notPending((await s.push.get(checked.challenge.id)) ?? checked.challenge);
  const call = await s.calls.get(denied.callId);
  const policy = call ? policyFor(s, call) : s.policies().get('default')!;
  const pauseSeconds = policy.factors.push.deny_pause_seconds;
  await s.push.pause(denied.customerId, now + pauseSeconds * 1000, denied.id, now);
  // Blocked before anyone waiting is woken: a held push_wait answers with the call already closed.
  if (call) await s.outcome.block(call, policy, 'push_denied', now);
  await resolved(s, denied, 'push_denied', now, { customer_id: denied.customerId, pause_seconds: pauseSeconds });
  return { status: 200, body: { success: true, status: 'denied' } };
}
