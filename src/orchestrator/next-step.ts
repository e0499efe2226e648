import type { Decision } from '../policy/index.js';
import type { CallRow } from '../store/schema/calls.js';
import type { Services } from './services.js';
import type { Policy } from '../policy/index.js';
import { openChannel } from '../factors/otp-limits.js';
import { FAMILY_OF_FACTOR } from './guesses.js';

export interface NextStep {
  step: string;
  /** Arguments the next action needs that only callgate knows (e.g. `{channel: "app"}`). */
  args?: Record<string, string>;
}

const HUMAN: NextStep = { step: 'transfer_to_human' };

/**
 * The first factor the policy prefers that this caller can still do on this call. When none is
 * left the answer is a human, never a weaker factor the policy did not list. A family locked for
 * the customer is skipped (the device-bound DID stays open when only codes or knowledge locked),
 * and a send the cross-call limits would refuse is never offered.
 */
export async function nextStep(
  s: Services,
  call: CallRow,
  policy: Policy,
  decision: Decision,
  now: number,
  /** Factors not to offer in this answer (a refused send is never answered with another send). */
  skip: readonly string[] = [],
): Promise<NextStep> {
  if (call.status === 'ended') return { step: 'none' };
  if (call.status === 'handed_off' || call.status === 'blocked') return HUMAN;
  if (decision.outcome === 'handoff' || decision.outcome === 'block') return HUMAN;
  if (decision.allowed) return { step: 'none' };
  if (!call.customerId) return { step: 'identify' };

  const enrolment = await s.customers.enrolmentHint(call.customerId);
  if (!enrolment) return { step: 'identify' };
  const used = (factor: string) => call.attempts[factor] ?? 0;
  const locked = await s.budgets.locked(call.customerId, now);
  let otpLater: NextStep | undefined;

  for (const factor of decision.eligible) {
    if (skip.includes(factor) || locked.has(FAMILY_OF_FACTOR[factor]!)) continue;
    switch (factor) {
      case 'otp': {
        const cfg = policy.factors.otp;
        const { latest, ...stats } = await s.challenges.state(call.id, call.customerId);
        if (latest?.status === 'pending' && latest.expiresAt > now && latest.attempts < latest.maxAttempts) {
          return { step: 'otp_verify', args: { channel: latest.channel } };
        }
        if (stats.sends >= cfg.max_sends) break;
        // SMS first, then e-mail: the first destination the cross-call limits still allow.
        const channel = await openChannel(s, policy, enrolment, now);
        if (!channel) break;
        const coolingDown = stats.lastAt !== null && stats.lastAt + cfg.resend_cooldown_seconds * 1000 > now;
        // During the resend cooldown another factor is a better next step; OTP stays the fallback.
        if (!coolingDown) return { step: 'otp_send', args: { channel } };
        otpLater ??= { step: 'otp_send', args: { channel } };
        break;
      }
      case 'totp':
        if (enrolment.totp && used('totp') < policy.factors.totp.max_attempts) return { step: 'otp_verify', args: { channel: 'app' } };
        break;
      case 'kba_basic':
      case 'kba_advanced': {
        const level = factor === 'kba_basic' ? 'basic' : 'advanced';
        if (enrolment.kba[level] > 0 && used(factor) < policy.factors[factor].max_attempts) {
          return { step: 'kba_question', args: { level } };
        }
        break;
      }
      case 'did': {
        if (enrolment.devices === 0) break;
        const latest = await s.did.latestForCall(call.id);
        if (latest?.status === 'pending' && latest.expiresAt > now) return { step: 'did_wait' };
        // Attempts are 1-based: a reissue is possible while attempt ≤ max_retries.
        if (!latest || latest.attempt <= policy.factors.did.max_retries) return { step: 'did_issue' };
        break;
      }
      // screen_clear is passive: the fraud screen reports it, nothing asks the caller for it.
    }
  }
  return otpLater ?? HUMAN;
}
