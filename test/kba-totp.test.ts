import { generate } from 'otplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizeAnswer } from '../src/factors/shared/normalize.js';
import { ADA, enrolAda, makeTestApp, ring, type TestApp } from './helpers/app.js';

let t: TestApp;
let totpSecret: string;
beforeEach(async () => {
  t = await makeTestApp();
  const uri = await enrolAda(t);
  totpSecret = new URL(uri).searchParams.get('secret')!;
  await ring(t, 'CA1');
});
afterEach(() => t.close());

const totpAt = (ms: number) => generate({ secret: totpSecret, epoch: Math.floor(ms / 1000) });

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

describe('TOTP (otp_verify with channel app)', () => {
  it('accepts the current code from the authenticator app', async () => {
    const res = await t.tool('CA1', 'otp_verify', { channel: 'app', code: await totpAt(t.clock.now()) });
    expect(res.body).toMatchObject({ success: true, privileged_allowed: true, auth_state: { successes: ['totp'] } });
  });

  it('refuses a replay of the same code, even on another call', async () => {
    const code = await totpAt(t.clock.now());
    expect((await t.tool('CA1', 'otp_verify', { channel: 'app', code })).body.success).toBe(true);
    await ring(t, 'CA2');
    const replay = await t.tool('CA2', 'otp_verify', { channel: 'app', code });
    expect(replay.body).toMatchObject({ success: false, reason: 'code_used' });
  });

  it('accepts the next time step but not an older one', async () => {
    const now = t.clock.now();
    expect((await t.tool('CA1', 'otp_verify', { channel: 'app', code: await totpAt(now + 30_000) })).body.success).toBe(true);
    await ring(t, 'CA2');
    expect((await t.tool('CA2', 'otp_verify', { channel: 'app', code: await totpAt(now) })).body).toMatchObject({ success: false, reason: 'code_used' });
  });

  it('accepts only one time step either side of now', async () => {
    const now = t.clock.now();
    expect((await t.tool('CA1', 'otp_verify', { channel: 'app', code: await totpAt(now - 90_000) })).body.reason).toBe('wrong_code');
    expect((await t.tool('CA1', 'otp_verify', { channel: 'app', code: await totpAt(now + 90_000) })).body.reason).toBe('wrong_code');
  });

  it('rejects wrong codes with counted attempts and refuses unenrolled customers', async () => {
    const res = await t.tool('CA1', 'otp_verify', { channel: 'app', code: '12345' });
    expect(res.body).toMatchObject({ success: false, reason: 'wrong_code', remaining_attempts: 2 });
    await t.admin('POST', '/customers', { customer_id: 'c2', phones: ['+15551230000'], account_refs: ['ZZ-777'] });
    await ring(t, 'CA2', '+15551230000');
    await t.tool('CA2', 'identify', { account_ref: 'ZZ-777' });
    expect((await t.tool('CA2', 'otp_verify', { channel: 'app', code: '123456' })).body.reason).toBe('not_enrolled');
  });

  it('points a TOTP-enrolled caller to the app when the policy prefers it', async () => {
    const { testPolicies } = await import('./helpers/app.js');
    t.close();
    t = await makeTestApp({ policies: testPolicies([`id: default\nversion: 2\ntiers:\n  low: {require: 1, from: [totp, otp]}\n  medium: {require: 2, from: [totp, otp]}\n  high: {handoff: true}\n`]) });
    await enrolAda(t);
    expect((await ring(t, 'CA1', undefined, { identify: false })).body.dynamic_variables.auth_next_step).toBe('identify');
    await t.tool('CA1', 'identify', { account_ref: 'AC-1001-2002' });
    expect((await t.tool('CA1', 'status')).body).toMatchObject({ next_required_step: 'otp_verify', next_step_args: { channel: 'app' } });
  });
});
