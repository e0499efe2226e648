import { z } from 'zod';
import { defineFactor, lenientEnum, lenientString, optional } from '../../kernel/index.js';
import { normalizeCode } from '../shared/normalize.js';
import { offerOtp, offerTotp } from './offer.js';
import { otpSend, otpVerify } from './otp.js';
import { OTP_REASONS } from './reasons.js';
import { totpVerify } from './totp.js';

export const OTP_CHANNELS = ['sms', 'email', 'app'] as const;

/** A spoken code: digits given as a JSON number become a string; spaces and dashes are dropped. */
const code = optional(
  lenientString(
    z
      .string()
      .overwrite(normalizeCode) // spoken "123 456": the steps receive the digits alone
      .min(1)
      .max(16, 'at most 16 characters'),
  ),
);

/** One-time codes: sent by SMS or e-mail (`otp`), or read from an authenticator app (`totp`). */
export const otpFactor = defineFactor({
  id: 'otp',
  fields: {
    channel: optional(lenientEnum(OTP_CHANNELS)).describe(
      'otp_send: "sms" or "email", as the caller chooses. otp_verify: "app" only when the caller reads the code from their authenticator app; otherwise leave it out.',
    ),
    code: code.describe(
      'otp_verify only: the code exactly as the caller said it, as a string of digits (keep leading zeros). Never guess it and never repeat it back.',
    ),
  },
  guide: 'otp_send: send a one-time code. otp_verify: the caller read out the code.',
  actions: {
    otp_send: {
      requires: ['channel'],
      starts: 'code',
      run: (ctx, r) => otpSend(ctx, r.channel as 'sms' | 'email'),
      followUp: (r, result) => (result.success ? { step: 'otp_verify', args: { channel: r.channel! } } : undefined),
      refine(r, issue) {
        if (r.channel === 'app') issue('channel', 'otp_send needs channel sms or email (app codes come from the authenticator, nothing is sent)');
      },
    },
    otp_verify: {
      requires: ['code'],
      guess: 'code',
      run: (ctx, r) => (r.channel === 'app' ? totpVerify(ctx, r.code!) : otpVerify(ctx, r.code!)),
    },
  },
  proves: {
    otp: { family: 'code', offer: offerOtp },
    totp: { family: 'code', offer: offerTotp },
  },
  reasons: OTP_REASONS,
  // A claim that moves voids the codes sent for the previous customer (they could not count anyway).
  voidIssued: async (s, call, now) => void (await s.challenges.supersedeAll(call.id, now)),
  enrolment: 'phones and email on POST /admin/customers; an authenticator with `totp: true` (its otpauth URI is shown once)',
});
