import { z } from 'zod';
import { attempts, definePolicySection, int } from '../../policy/section.js';

const otpSchema = z.strictObject({
  max_attempts: attempts.default(3),
  // 800-63B 5.1.3.2: an out-of-band secret is void after 10 minutes at the latest.
  ttl_seconds: int(30, 600).default(300).describe('how long a sent code stays valid (≤ 600 s)'),
  max_sends: int(1, 10).default(3).describe('codes that may be sent on one call'),
  resend_cooldown_seconds: int(0, 600).default(30),
  // 6 digits ≈ 20 bits, the floor NIST and ASVS accept for OOB/OTP codes.
  code_length: int(6, 10).default(6),
});

/** `factors.otp` (SMS and e-mail codes) and `factors.totp` (authenticator-app codes). */
export const otpPolicy = definePolicySection({
  proves: ['otp', 'totp'],
  sections: { otp: otpSchema, totp: z.strictObject({ max_attempts: attempts.default(3) }) },
});
