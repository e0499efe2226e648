import type { Policy } from '../../policy/index.js';
import { fail, type Services, type StepContext, type StepResult } from '../../kernel/index.js';
import type { OtpReason } from './reasons.js';
import type { SendLimits } from './store.js';
import { hashDestination } from '../shared/hash.js';

// The limits on sending codes across calls: per destination (sliding windows, counted in the
// INSERT that creates a code) and the service-wide SMS ceiling (a durable hourly counter).

const HOUR_MS = 3_600_000;

/** The service-wide SMS ceiling's counter: O(1) per send, shared by every process. */
export const SMS_COUNTER = { key: 'sms:service', windowMs: HOUR_MS };

export type CrossCallLimit = 'sms_per_hour' | 'sends_per_destination' | 'sends_per_destination_per_day';

export const sendLimits = (policy: Policy): SendLimits => ({
  destMax: policy.limits.sends_per_destination.max,
  destWindowMs: policy.limits.sends_per_destination.window_seconds * 1000,
  dayMax: policy.limits.sends_per_destination_per_day,
});

/** Which cross-call limit would refuse a code to this destination now, if any (one read). */
export async function crossCallLimit(
  s: Services,
  policy: Policy,
  channel: 'sms' | 'email',
  destination: string,
  now: number,
): Promise<CrossCallLimit | undefined> {
  const limits = sendLimits(policy);
  const counts = await s.challenges.sendCounts(destination, limits, now, SMS_COUNTER);
  if (channel === 'sms' && counts.counter >= policy.limits.sms_per_hour) return 'sms_per_hour';
  if (counts.dest >= limits.destMax) return 'sends_per_destination';
  if (counts.day >= limits.dayMax) return 'sends_per_destination_per_day';
  return undefined;
}

/** The first of the customer's destinations (SMS, then e-mail) the cross-call limits still allow. */
export async function openChannel(
  s: Services,
  policy: Policy,
  enrolment: { phones: string[]; email: string | null },
  now: number,
): Promise<'sms' | 'email' | undefined> {
  for (const [channel, to] of [['sms', enrolment.phones[0]], ['email', enrolment.email]] as const) {
    if (to && !(await crossCallLimit(s, policy, channel, await hashDestination(s.keys, channel, to), now))) return channel;
  }
  return undefined;
}

/** Whether the service-wide SMS ceiling is reached for the current hour (one keyed read). */
export const smsCeilingReached = (s: Services, policy: Policy, now: number): Promise<boolean> =>
  s.counters.exhausted(SMS_COUNTER.key, policy.limits.sms_per_hour, SMS_COUNTER.windowMs, now);

/** A sent code spends a unit of the SMS ceiling (only once it exists: refused sends never do). */
export async function countSms(s: Services, policy: Policy, now: number): Promise<void> {
  await s.counters.take(SMS_COUNTER.key, policy.limits.sms_per_hour, SMS_COUNTER.windowMs, now);
}

/**
 * A send a cross-call limit refused: an event naming the limit (the caller hears `rate_limited`
 * whichever it was), and for the SMS ceiling the breaker's trip, one event per hour however many
 * sends it refuses.
 */
export async function refuse({ s, call, policy, now }: StepContext, channel: 'sms' | 'email', limit: CrossCallLimit): Promise<StepResult<OtpReason>> {
  await s.audit.record(call.id, 'otp_send_refused', now, { channel, limit, customer_id: call.customerId });
  if (limit === 'sms_per_hour' && (await s.counters.take('breaker:sms', 1, HOUR_MS, now)) !== undefined) {
    await s.audit.record(call.id, 'sms_breaker_tripped', now, { ceiling: policy.limits.sms_per_hour, window_seconds: HOUR_MS / 1000 });
  }
  return fail('rate_limited');
}
