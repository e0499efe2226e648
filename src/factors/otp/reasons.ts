import type { DeliveryFailure } from '../../providers/otp/types.js';

/** What otp_send and otp_verify answer (SMS/e-mail codes and authenticator-app codes alike). */
export const OTP_REASONS = [
  'ok',
  'not_identified',
  'not_enrolled',
  'rate_limited',
  'cooldown',
  'identity_changed',
  'no_code_sent',
  'wrong_code',
  'code_used',
  'expired',
  'max_attempts',
  'delivery_failed',
  'channel_unsupported',
  'delivery_timeout',
] as const satisfies readonly (string | DeliveryFailure)[];
export type OtpReason = (typeof OTP_REASONS)[number];
