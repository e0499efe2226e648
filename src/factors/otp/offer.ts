import type { OfferContext, Offer } from '../../kernel/index.js';
import { openChannel } from './limits.js';

/**
 * A pending code is checked next; otherwise a send, SMS first, then e-mail, on the first
 * destination the cross-call limits still allow. During the resend cooldown a send is only the
 * fallback: another factor is a better next step.
 */
export async function offerOtp({ s, call, policy, enrolment, now }: OfferContext): Promise<Offer> {
  const cfg = policy.factors.otp;
  const { latest, ...stats } = await s.challenges.state(call.id, call.customerId);
  if (latest?.status === 'pending' && latest.expiresAt > now && latest.attempts < latest.maxAttempts) {
    return { step: 'otp_verify', args: { channel: latest.channel } };
  }
  if (stats.sends >= cfg.max_sends) return undefined;
  const channel = await openChannel(s, policy, enrolment, now);
  if (!channel) return undefined;
  const coolingDown = stats.lastAt !== null && stats.lastAt + cfg.resend_cooldown_seconds * 1000 > now;
  const send = { step: 'otp_send', args: { channel } };
  return coolingDown ? { later: send } : send;
}

/** An authenticator app needs nothing sent: the caller reads the code it shows. */
export async function offerTotp({ call, policy, enrolment }: OfferContext): Promise<Offer> {
  const used = call.attempts.totp ?? 0;
  return enrolment.totp && used < policy.factors.totp.max_attempts ? { step: 'otp_verify', args: { channel: 'app' } } : undefined;
}
