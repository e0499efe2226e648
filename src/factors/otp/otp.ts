import { timingSafeEqualString } from '../../crypto/compare.js';
import { randomDigits, randomId } from '../../crypto/random.js';
import { fail, ok, type StepContext, type StepResult } from '../../kernel/index.js';
import type { OtpReason } from './reasons.js';
import { hashCode, hashDestination } from '../shared/hash.js';
import { countSms, crossCallLimit, refuse, sendLimits, smsCeilingReached } from './limits.js';

/** "SMS to the number ending 42" — enough for the caller to recognise, useless to an impostor. */
function destinationHint(channel: 'sms' | 'email', to: string): string {
  if (channel === 'sms') return `SMS to the number ending ${to.slice(-2)}`;
  const [user = '', domain = ''] = to.split('@');
  return `email to ${user.slice(0, 1)}***@${domain}`;
}

export async function otpSend({ s, call, policy, now }: StepContext, channel: 'sms' | 'email'): Promise<StepResult<OtpReason>> {
  if (!call.customerId) return fail('not_identified');
  const enrolment = await s.customers.enrolment(call.customerId);
  const to = channel === 'sms' ? enrolment?.phones[0] : enrolment?.email;
  if (!to) return fail('not_enrolled');

  const cfg = policy.factors.otp;
  const id = randomId(s.random, 'otp');
  const code = randomDigits(s.random, cfg.code_length);
  const expiresAt = now + cfg.ttl_seconds * 1000;
  const destination = await hashDestination(s.keys, channel, to);
  const ctx = { s, call, policy, now };
  // The destination's windows are checked by the insert itself (atomically); only the SMS
  // ceiling, a counter, is read before it.
  if (channel === 'sms' && (await smsCeilingReached(s, policy, now))) return refuse(ctx, channel, 'sms_per_hour');
  const created = await s.challenges.createIfAllowed({
    id,
    callId: call.id,
    customerId: call.customerId,
    channel,
    destination,
    codeHash: await hashCode(s.keys, id, code),
    maxAttempts: cfg.max_attempts,
    now,
    expiresAt,
    maxSends: cfg.max_sends,
    cooldownMs: cfg.resend_cooldown_seconds * 1000,
    limits: sendLimits(policy),
  });
  if (!created) return refusedSend(ctx, channel, destination);
  // Counted once the code exists, so sends another limit refused never spend the service's ceiling
  // (a flood against one number must not stop SMS for everyone). Sends in flight when the ceiling
  // is reached may pass it by their number.
  if (channel === 'sms') await countSms(s, policy, now);

  const delivery = await s.otpSender.send({ to, channel, code, call_id: call.id, expires_at: new Date(expiresAt).toISOString() });
  if (!delivery.ok) {
    // An undelivered code cannot be verified and does not start a cooldown.
    await s.challenges.resolve(id, 'undelivered', now);
    await s.audit.record(call.id, 'otp_delivery_failed', now, { channel, provider: s.otpSender.name, reason: delivery.reason });
    return fail(delivery.reason);
  }
  await s.audit.record(call.id, 'otp_sent', now, { channel, provider: s.otpSender.name, challenge_id: id, expires_at: expiresAt });
  return ok({
    remaining_attempts: cfg.max_attempts,
    extra: { destination_hint: destinationHint(channel, to), expires_in_seconds: cfg.ttl_seconds },
  });
}

/**
 * Says which limit refused the insert, from the counts as they are now: this call's own
 * (max_sends, cooldown) or a cross-call one reached since the check before it.
 */
async function refusedSend(ctx: StepContext, channel: 'sms' | 'email', destination: string): Promise<StepResult<OtpReason>> {
  const { s, call, policy, now } = ctx;
  const cfg = policy.factors.otp;
  const stats = await s.challenges.state(call.id, call.customerId!);
  if (stats.sends >= cfg.max_sends) return fail('rate_limited');
  if (stats.lastAt !== null && stats.lastAt + cfg.resend_cooldown_seconds * 1000 > now) {
    const retryAfter = Math.max(1, Math.ceil((stats.lastAt + cfg.resend_cooldown_seconds * 1000 - now) / 1000));
    return fail('cooldown', { extra: { retry_after_seconds: retryAfter } });
  }
  const limit = await crossCallLimit(s, policy, channel, destination, now);
  // Nothing is exhausted: the claim moved between reading the call and the insert.
  return limit ? refuse(ctx, channel, limit) : fail('identity_changed');
}

export async function otpVerify({ s, call, now }: StepContext, code: string): Promise<StepResult<OtpReason>> {
  if (!call.customerId) return fail('not_identified');
  const latest = await s.challenges.latest(call.id, call.customerId);
  if (!latest) return fail('no_code_sent');

  const reserved = await s.challenges.reserveAttempt(latest.id, now);
  if (!reserved) {
    // No attempt could be taken: say why, from the challenge as it is now.
    const current = (await s.challenges.latest(call.id, call.customerId)) ?? latest;
    if (current.status === 'approved') return fail('code_used');
    if (current.status === 'pending' && current.expiresAt <= now) return fail('expired');
    return fail('max_attempts', { remaining_attempts: 0 });
  }

  const hash = await hashCode(s.keys, reserved.id, code);
  const remaining = reserved.maxAttempts - reserved.attempts;
  if (timingSafeEqualString(hash, reserved.codeHash)) {
    // Single use: of concurrent correct submissions exactly one approves the challenge.
    if (!(await s.challenges.resolve(reserved.id, 'approved', now))) return fail('code_used');
    return ok({ passed: 'otp' });
  }
  if (remaining <= 0) {
    await s.challenges.resolve(reserved.id, 'failed', now);
    return fail('max_attempts', { failed: 'otp', remaining_attempts: 0 });
  }
  return fail('wrong_code', { failed: 'otp', remaining_attempts: remaining });
}
