import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolAda, makeTestApp, passOtp, ring, type TestApp } from './helpers/app.js';

/** The core auth_orchestrator reason codes (docs/api.md), each produced by the request that should produce it. */
describe('auth_orchestrator reason codes', () => {
  let t: TestApp;
  const seen = new Set<string>();
  const note = (r: { body: Record<string, any> }) => {
    seen.add(r.body.reason);
    return r.body;
  };
  beforeAll(async () => {
    t = await makeTestApp();
    await enrolAda(t);
  });
  afterAll(() => {
    for (const reason of [
      'ok', 'wrong_code', 'wrong_answer', 'expired', 'max_attempts', 'locked', 'not_identified', 'not_enrolled', 'cooldown',
      'rate_limited', 'risk_high', 'blocked', 'conversation_mismatch', 'already_authenticated', 'invalid_request',
    ]) {
      expect(seen, `reason ${reason} was never produced`).toContain(reason);
    }
    t.close();
  });

  it('ok, already_authenticated', async () => {
    await ring(t, 'R1');
    expect(note(await passOtp(t, 'R1')).reason).toBe('ok');
    expect(note(await t.tool('R1', 'identify', { account_ref: 'AC10012002' })).success).toBe(true);
    await t.admin('POST', '/customers', { customer_id: 'bob', account_refs: ['BOB-1'] });
    expect(note(await t.tool('R1', 'identify', { account_ref: 'BOB-1' }))).toMatchObject({ success: false, reason: 'already_authenticated' });
  });

  it('not_identified, not_enrolled, wrong_answer, wrong_code, max_attempts, expired, cooldown, rate_limited', async () => {
    await ring(t, 'R2', '+15550000001');
    expect(note(await t.tool('R2', 'otp_send', { channel: 'sms' })).reason).toBe('not_identified');
    await t.tool('R2', 'identify', { account_ref: 'BOB-1' });
    expect(note(await t.tool('R2', 'otp_send', { channel: 'sms' })).reason).toBe('not_enrolled');
    await ring(t, 'R3');
    await t.tool('R3', 'kba_question', { level: 'advanced' });
    expect(note(await t.tool('R3', 'kba_verify', { question_id: 'q_deposit', answer: 'no' })).reason).toBe('wrong_answer');
    await t.tool('R3', 'otp_send', { channel: 'sms' });
    expect(note(await t.tool('R3', 'otp_send', { channel: 'sms' })).reason).toBe('cooldown');
    const code = t.lastCode()!;
    const bad = code === '000000' ? '111111' : '000000';
    expect(note(await t.tool('R3', 'otp_verify', { code: bad })).reason).toBe('wrong_code');
    await t.tool('R3', 'otp_verify', { code: bad });
    expect(note(await t.tool('R3', 'otp_verify', { code: bad })).reason).toBe('max_attempts');
    // Fifth failed check on the call: lockout.
    expect(note(await t.tool('R3', 'kba_verify', { question_id: 'q_deposit', answer: 'no' })).reason).toBe('locked');
    await ring(t, 'R4');
    await t.tool('R4', 'otp_send', { channel: 'sms' });
    t.clock.advance(301_000);
    expect(note(await t.tool('R4', 'otp_verify', { code: t.lastCode() })).reason).toBe('expired');
    await t.tool('R4', 'otp_send', { channel: 'sms' });
    t.clock.advance(31_000);
    await t.tool('R4', 'otp_send', { channel: 'email' });
    t.clock.advance(31_000);
    expect(note(await t.tool('R4', 'otp_send', { channel: 'sms' })).reason).toBe('rate_limited');
    await ring(t, 'R5');
    await t.tool('R5', 'kba_question', { level: 'basic' });
    await t.tool('R5', 'kba_verify', { question_id: 'q_zip', answer: '1' });
    expect(note(await t.tool('R5', 'kba_verify', { question_id: 'q_zip', answer: '2' })).reason).toBe('max_attempts');
  });

  it('risk_high: a high-risk signal hands the call off on the next request; then blocked', async () => {
    await ring(t, 'R6');
    await t.services.calls.setSignal('R6', 'watch_list', true, t.clock.now());
    const res = note(await t.tool('R6', 'kba_question', { level: 'advanced' }));
    expect(res).toMatchObject({
      success: false,
      reason: 'risk_high',
      next_required_step: 'transfer_to_human',
      auth_state: { status: 'handed_off', risk_tier: 'high' },
      handoff: { queue: 'fraud_review', reason: 'risk_high', risk_labels: expect.arrayContaining(['watch_list']) },
    });
    expect(note(await t.tool('R6', 'otp_send', { channel: 'sms' })).reason).toBe('blocked');
  });

  it('conversation_mismatch, invalid_request', async () => {
    await ring(t, 'R7');
    await t.tool('R7', 'status');
    note(await t.send('POST', '/tools/auth_orchestrator', { call_id: 'R7', conversation_id: 'other', action: 'status' }, 'test-tool-secret'));
    note(await t.send('POST', '/tools/auth_orchestrator', { call_id: 'R7' }, 'test-tool-secret'));
  });
});
