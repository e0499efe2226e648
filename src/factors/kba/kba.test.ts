import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizeAnswer } from '../shared/normalize.js';
import { ADA, enrolAda, makeTestApp, ring, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
  await enrolAda(t);
  await ring(t, 'CA1');
});
afterEach(() => t.close());


describe('KBA', () => {
  it('normalises case, spaces, accents and punctuation before comparing', () => {
    expect(normalizeAnswer("Two hundred & fifty, Dollars!")).toBe(normalizeAnswer('two hundred fifty dollars'));
    expect(normalizeAnswer('  São   Paulo ')).toBe('saopaulo');
    expect(normalizeAnswer('Main St.')).toBe(normalizeAnswer('main st'));
  });

  it('asks a question of the requested level and accepts a normalised answer', async () => {
    const q = await t.tool('CA1', 'kba_question', { level: 'advanced' });
    expect(q.body).toMatchObject({
      success: true,
      question: { id: 'q_deposit', text: 'What was the amount of your last deposit?' },
      next_required_step: 'kba_verify',
      remaining_attempts: 2,
    });
    const a = await t.tool('CA1', 'kba_verify', { question_id: 'q_deposit', answer: 'two HUNDRED   fifty dollars' });
    expect(a.body).toMatchObject({ success: true, privileged_allowed: true, auth_state: { successes: ['kba_advanced'] } });
  });

  it('answers only the question this call was asked', async () => {
    const res = await t.tool('CA1', 'kba_verify', { question_id: 'q_zip', answer: '94107' });
    expect(res.body).toMatchObject({ success: false, reason: 'question_not_asked' });
  });

  it('never counts basic KBA as a factor under the default policy', async () => {
    await t.tool('CA1', 'kba_question', { level: 'basic' });
    const res = await t.tool('CA1', 'kba_verify', { question_id: 'q_zip', answer: '94107' });
    expect(res.body).toMatchObject({ success: true, privileged_allowed: false, auth_state: { auth_success_count: 0, successes: ['kba_basic'] } });
    expect(res.body.next_required_step).toBe('otp_send');
  });

  it('limits attempts per level', async () => {
    await t.tool('CA1', 'kba_question', { level: 'advanced' });
    expect((await t.tool('CA1', 'kba_verify', { question_id: 'q_deposit', answer: 'x1' })).body).toMatchObject({ reason: 'wrong_answer', remaining_attempts: 1 });
    expect((await t.tool('CA1', 'kba_verify', { question_id: 'q_deposit', answer: 'x2' })).body).toMatchObject({ reason: 'max_attempts', remaining_attempts: 0 });
    expect((await t.tool('CA1', 'kba_verify', { question_id: 'q_deposit', answer: ADA.kba[1]!.answer })).body.reason).toBe('max_attempts');
    expect((await t.tool('CA1', 'kba_question', { level: 'advanced' })).body.reason).toBe('max_attempts');
  });

  it('says not_enrolled when the customer has no question of that level', async () => {
    await t.admin('POST', '/customers', { customer_id: 'c2', phones: ['+15551230000'], account_refs: ['ZZ-777'] });
    await ring(t, 'CA2', '+15551230000');
    await t.tool('CA2', 'identify', { account_ref: 'ZZ-777' });
    expect((await t.tool('CA2', 'kba_question', { level: 'advanced' })).body.reason).toBe('not_enrolled');
  });
});

