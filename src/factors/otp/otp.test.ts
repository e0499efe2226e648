import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OtpSender } from '../../providers/otp/index.js';
import { enrolAda, makeTestApp, passOtp, ring, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
  await enrolAda(t);
  await ring(t, 'CA1');
});
afterEach(() => t.close());

const wrong = (code: string) => (code === '000000' ? '111111' : '000000');

describe('otp_send', () => {
  it('refuses before identification and says so', async () => {
    await ring(t, 'CA2', '+15550000000');
    const res = await t.tool('CA2', 'otp_send', { channel: 'sms' });
    expect(res.body).toMatchObject({ success: false, reason: 'not_identified', next_required_step: 'identify' });
    expect(res.body.destination_hint).toBeUndefined();
  });

  it('answers identify with the identified state and the next step', async () => {
    await ring(t, 'CA3', '+15550000000');
    const res = await t.tool('CA3', 'identify', { account_ref: 'ac-1001 2002' });
    expect(res.body).toMatchObject({ success: true, next_required_step: 'otp_send', auth_state: { identified: true } });
  });

  it('suggests another factor while a resend is cooling down', async () => {
    await t.tool('CA1', 'otp_send', { channel: 'sms' });
    const code = t.lastCode()!;
    for (let i = 0; i < 3; i++) await t.tool('CA1', 'otp_verify', { code: wrong(code) });
    const status = await t.tool('CA1', 'status');
    expect(status.body).toMatchObject({ next_required_step: 'otp_verify', next_step_args: { channel: 'app' } });
  });

  it('sends a 6-digit code and gives a destination hint only after identification', async () => {
    const res = await t.tool('CA1', 'otp_send', { channel: 'sms' });
    expect(res.body).toMatchObject({
      success: true,
      reason: 'ok',
      next_required_step: 'otp_verify',
      destination_hint: 'SMS to the number ending 42',
      privileged_allowed: false,
    });
    expect(t.lastCode()).toMatch(/^\d{6}$/);
    const email = await t.tool('CA1', 'otp_send', { channel: 'email' });
    expect(email.body.reason).toBe('cooldown');
  });

  it('enforces the resend cooldown, then max_sends, from the policy', async () => {
    await t.tool('CA1', 'otp_send', { channel: 'sms' });
    const early = await t.tool('CA1', 'otp_send', { channel: 'sms' });
    expect(early.body).toMatchObject({ success: false, reason: 'cooldown', retry_after_seconds: 30 });
    t.clock.advance(30_001);
    expect((await t.tool('CA1', 'otp_send', { channel: 'sms' })).body.success).toBe(true);
    t.clock.advance(30_001);
    expect((await t.tool('CA1', 'otp_send', { channel: 'email' })).body.success).toBe(true);
    t.clock.advance(30_001);
    expect((await t.tool('CA1', 'otp_send', { channel: 'sms' })).body).toMatchObject({ success: false, reason: 'rate_limited' });
  });

  it('lets only one of 20 concurrent sends through the cooldown', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.tool('CA1', 'otp_send', { channel: 'sms' })));
    expect(answers.filter((a) => a.body.success)).toHaveLength(1);
    expect(t.outbox.list()).toHaveLength(1);
  });

  it('turns a delivery failure into an explicit false, without a cooldown', async () => {
    let fail = true;
    const flaky: OtpSender = {
      name: 'flaky',
      send: async () => (fail ? { ok: false, reason: 'delivery_failed', detail: 'twilio 30003' } : { ok: true }),
    };
    t.close();
    t = await makeTestApp({ otpSender: flaky });
    await enrolAda(t);
    await ring(t, 'CA1');
    const res = await t.tool('CA1', 'otp_send', { channel: 'sms' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: false, reason: 'delivery_failed' });
    fail = false;
    expect((await t.tool('CA1', 'otp_send', { channel: 'sms' })).body.success).toBe(true);
  });
});

describe('otp_verify', () => {
  it('authenticates a low-risk caller with the delivered code', async () => {
    const res = await passOtp(t, 'CA1');
    expect(res.body).toMatchObject({
      success: true,
      reason: 'ok',
      next_required_step: 'none',
      privileged_allowed: true,
      auth_state: { status: 'authenticated', risk_tier: 'low', identified: true, auth_success_count: 1, required_successes: 1, successes: ['otp'] },
    });
  });

  it('accepts a code spoken with spaces or dashes', async () => {
    await t.tool('CA1', 'otp_send', { channel: 'sms' });
    const code = t.lastCode()!;
    const res = await t.tool('CA1', 'otp_verify', { code: `${code.slice(0, 3)} ${code.slice(3)}` });
    expect(res.body.success).toBe(true);
  });

  it('accepts a code once: a second use is refused', async () => {
    await passOtp(t, 'CA1');
    const again = await t.tool('CA1', 'otp_verify', { code: t.lastCode() });
    expect(again.body).toMatchObject({ success: false, reason: 'code_used' });
  });

  it('lets exactly one of 20 concurrent correct submissions use the code', async () => {
    await t.tool('CA1', 'otp_send', { channel: 'sms' });
    const code = t.lastCode();
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.tool('CA1', 'otp_verify', { code })));
    expect(answers.filter((a) => a.body.success)).toHaveLength(1);
    // Losers found the code used, no attempt left on it, or the customer's code budget taken by
    // the others in flight (10 of them); none is told "wrong".
    for (const a of answers.filter((x) => !x.body.success)) expect(['code_used', 'max_attempts', 'locked']).toContain(a.body.reason);
    expect(t.sqlite.prepare("select status from otp_challenges where call_id = 'CA1'").get()).toEqual({ status: 'approved' });
  });

  it('expires a code after ttl_seconds', async () => {
    await t.tool('CA1', 'otp_send', { channel: 'sms' });
    t.clock.advance(300_000);
    const res = await t.tool('CA1', 'otp_verify', { code: t.lastCode() });
    expect(res.body).toMatchObject({ success: false, reason: 'expired', next_required_step: 'otp_send' });
  });

  it('counts down remaining attempts and spends the code at max_attempts', async () => {
    await t.tool('CA1', 'otp_send', { channel: 'sms' });
    const code = t.lastCode()!;
    const a1 = await t.tool('CA1', 'otp_verify', { code: wrong(code) });
    expect(a1.body).toMatchObject({ success: false, reason: 'wrong_code', remaining_attempts: 2, next_required_step: 'otp_verify' });
    const a2 = await t.tool('CA1', 'otp_verify', { code: wrong(code) });
    expect(a2.body.remaining_attempts).toBe(1);
    const a3 = await t.tool('CA1', 'otp_verify', { code: wrong(code) });
    expect(a3.body).toMatchObject({ reason: 'max_attempts', remaining_attempts: 0 });
    const late = await t.tool('CA1', 'otp_verify', { code });
    expect(late.body).toMatchObject({ success: false, reason: 'max_attempts' });
  });

  it('never takes more attempts than allowed under concurrent wrong guesses', async () => {
    await t.tool('CA1', 'otp_send', { channel: 'sms' });
    const code = t.lastCode()!;
    await Promise.all(Array.from({ length: 10 }, () => t.tool('CA1', 'otp_verify', { code: wrong(code) })));
    const row = t.sqlite.prepare("select attempts, status from otp_challenges where call_id = 'CA1'").get();
    expect(row).toEqual({ attempts: 3, status: 'failed' });
  });

  it('only the newest code counts after a resend', async () => {
    await t.tool('CA1', 'otp_send', { channel: 'sms' });
    const first = t.lastCode()!;
    t.clock.advance(31_000);
    await t.tool('CA1', 'otp_send', { channel: 'sms' });
    const second = t.lastCode()!;
    if (first !== second) expect((await t.tool('CA1', 'otp_verify', { code: first })).body.reason).toBe('wrong_code');
    expect((await t.tool('CA1', 'otp_verify', { code: second })).body.success).toBe(true);
  });

  it('raises wrong_code_burst after 3 failures within 60 s: the tier rises to medium', async () => {
    await t.tool('CA1', 'otp_send', { channel: 'sms' });
    const code = t.lastCode()!;
    await t.tool('CA1', 'otp_verify', { code: wrong(code) });
    await t.tool('CA1', 'otp_verify', { code: wrong(code) });
    expect((await t.tool('CA1', 'status')).body.auth_state.risk_tier).toBe('low');
    await t.tool('CA1', 'otp_verify', { code: wrong(code) });
    const after = await t.tool('CA1', 'status');
    expect(after.body.auth_state).toMatchObject({ risk_tier: 'medium', required_successes: 2, risk_signals: { wrong_code_burst: true } });
  });

  it('does not call spaced-out failures a burst', async () => {
    // Three failures, 31 s apart: never three inside one 60 s window.
    await t.tool('CA1', 'otp_send', { channel: 'sms' });
    const code = t.lastCode()!;
    for (let i = 0; i < 3; i++) {
      await t.tool('CA1', 'otp_verify', { code: wrong(code) });
      t.clock.advance(31_000);
    }
    expect(t.eventTypes('CA1').filter((e) => e === 'factor_failed')).toHaveLength(3);
    expect((await t.tool('CA1', 'status')).body.auth_state.risk_signals.wrong_code_burst).toBeUndefined();
  });
});

describe('lockout', () => {
  it('hands the call to a human after lockout.max_failures failed checks, and nothing reopens it', async () => {
    await t.tool('CA1', 'otp_send', { channel: 'sms' });
    const code = t.lastCode()!;
    for (let i = 0; i < 3; i++) await t.tool('CA1', 'otp_verify', { code: wrong(code) });
    await t.tool('CA1', 'kba_question', { level: 'advanced' });
    await t.tool('CA1', 'kba_verify', { question_id: 'q_deposit', answer: 'a hundred' });
    const fifth = await t.tool('CA1', 'kba_verify', { question_id: 'q_deposit', answer: 'ninety' });
    expect(fifth.body).toMatchObject({
      success: false,
      reason: 'locked',
      next_required_step: 'transfer_to_human',
      privileged_allowed: false,
      auth_state: { status: 'handed_off' },
      handoff: { queue: 'authentication_support', reason: 'lockout' },
    });
    expect(fifth.body.handoff.factors_failed).toEqual({ otp: 3, kba_advanced: 2 });

    // A correct code afterwards changes nothing; every factor action is refused.
    t.clock.advance(60_000);
    for (const [action, args] of [
      ['otp_send', { channel: 'sms' }],
      ['otp_verify', { code }],
      ['identify', { account_ref: 'AC10012002' }],
      ['kba_question', { level: 'basic' }],
    ] as const) {
      const res = await t.tool('CA1', action, args);
      expect(res.body).toMatchObject({ success: false, reason: 'blocked', auth_state: { status: 'handed_off' } });
    }
    expect((await t.post('account_summary', 'CA1')).body.reason).toBe('blocked');
    expect((await ring(t, 'CA1', undefined, { identify: false })).body.dynamic_variables).toMatchObject({ auth_status: 'handed_off', auth_next_step: 'transfer_to_human' });
  });

  it('counts unknown account references toward lockout (enumeration costs)', async () => {
    await ring(t, 'CA9', '+15550000000');
    for (let i = 0; i < 4; i++) expect((await t.tool('CA9', 'identify', { account_ref: `ZZ${i}999` })).body.reason).toBe('unknown_account');
    expect((await t.tool('CA9', 'identify', { account_ref: 'ZZ9999' })).body.reason).toBe('locked');
  });
});
