import { generateSecret, generateURI, verify } from 'otplib';
import type { Keys } from '../../crypto/keys.js';
import { open, seal } from '../../crypto/secretbox.js';
import { fail, ok, type StepContext, type StepResult } from '../../kernel/index.js';
import type { OtpReason } from './reasons.js';

const ISSUER = 'callgate';

/** A new authenticator seed: the sealed form for storage, the otpauth URI shown once to the operator. */
export async function enrolTotp(keys: Keys, customerId: string, label: string) {
  const secret = generateSecret();
  return {
    sealed: await seal(keys.totp, secret, customerId),
    uri: generateURI({ issuer: ISSUER, label, secret }),
  };
}

export async function totpVerify({ s, call, policy, now }: StepContext, code: string): Promise<StepResult<OtpReason>> {
  if (!call.customerId) return fail('not_identified');
  const record = await s.customers.totp(call.customerId);
  if (!record) return fail('not_enrolled');
  const max = policy.factors.totp.max_attempts;
  const reserved = await s.calls.reserveAttempt(call.id, 'totp', max, now);
  if (!reserved) return fail('max_attempts', { remaining_attempts: 0 });
  const remaining = max - (reserved.attempts.totp ?? max);

  const secret = await open(s.keys.totp, record.secretSealed, call.customerId);
  if (!secret) throw new Error(`TOTP seed of ${call.customerId} does not open with the current key`);
  let timeStep: number | null = null;
  if (/^\d{6}$/.test(code)) {
    // One step of tolerance each way covers a caller reading the code as it rolls over.
    const result = await verify({
      secret,
      token: code,
      epoch: Math.floor(now / 1000),
      epochTolerance: 30,
    }).catch(() => ({ valid: false as const }));
    if (result.valid && 'timeStep' in result) timeStep = result.timeStep;
  }
  if (timeStep === null) {
    return fail(remaining > 0 ? 'wrong_code' : 'max_attempts', { failed: 'totp', remaining_attempts: remaining });
  }
  // 800-63B 5.1.4.2: a time-based OTP is accepted once. The conditional UPDATE (not otplib's
  // afterTimeStep, read before the await) is the guard, so concurrent replays cannot both pass.
  if (!(await s.customers.advanceTotpStep(call.customerId, timeStep))) {
    return fail('code_used', { failed: 'totp', remaining_attempts: remaining });
  }
  return ok({ passed: 'totp' });
}
