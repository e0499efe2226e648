import { describe, expect, it } from 'vitest';
import { authOrchestrator, validateOrchestratorRequest } from './pre-auth/auth_orchestrator.js';

const ids = { call_id: 'CA123', conversation_id: 'conv_1' };
const fields = (r: ReturnType<typeof validateOrchestratorRequest>) => (r.ok ? [] : r.errors.map((e) => e.field).sort());

describe('validateOrchestratorRequest', () => {
  it('accepts every action with its required fields', () => {
    const good: Record<string, unknown>[] = [
      { action: 'status' },
      { action: 'identify', account_ref: 'M-100234' },
      { action: 'otp_send', channel: 'sms' },
      { action: 'otp_send', channel: 'email' },
      { action: 'otp_verify', code: '042917' },
      { action: 'otp_verify', code: '042917', channel: 'app' },
      { action: 'kba_question', level: 'advanced' },
      { action: 'kba_verify', question_id: 'q_first_car', answer: 'a red Volvo' },
      { action: 'did_issue' },
      { action: 'did_wait' },
      { action: 'did_wait', wait_seconds: 20 },
      { action: 'did_cancel' },
      { action: 'screen' },
      { action: 'handoff' },
    ];
    for (const b of good) expect(validateOrchestratorRequest({ ...ids, ...b }), JSON.stringify(b)).toMatchObject({ ok: true });
  });

  it('names each field an action is missing', () => {
    expect(fields(validateOrchestratorRequest({ ...ids, action: 'identify' }))).toEqual(['account_ref']);
    expect(fields(validateOrchestratorRequest({ ...ids, action: 'otp_send' }))).toEqual(['channel']);
    expect(fields(validateOrchestratorRequest({ ...ids, action: 'otp_verify' }))).toEqual(['code']);
    expect(fields(validateOrchestratorRequest({ ...ids, action: 'kba_question' }))).toEqual(['level']);
    expect(fields(validateOrchestratorRequest({ ...ids, action: 'kba_verify' }))).toEqual(['answer', 'question_id']);
    const r = validateOrchestratorRequest({ ...ids, action: 'kba_verify', answer: 'x' });
    expect(r).toEqual({ ok: false, errors: [{ field: 'question_id', message: 'required for action kba_verify' }] });
  });

  it('names missing identity and action fields, and a non-object body', () => {
    expect(fields(validateOrchestratorRequest({}))).toEqual(['action', 'call_id', 'conversation_id']);
    const r = validateOrchestratorRequest({ action: 'status' });
    expect(r.ok ? [] : r.errors).toContainEqual({ field: 'call_id', message: 'required' });
    for (const body of [null, 'status', 42, [], undefined]) {
      expect(fields(validateOrchestratorRequest(body)), JSON.stringify(body)).toEqual(['body']);
    }
  });

  it('names bad values: unknown action, channel, level, wait range, over-long strings', () => {
    expect(fields(validateOrchestratorRequest({ ...ids, action: 'transfer' }))).toEqual(['action']);
    expect(fields(validateOrchestratorRequest({ ...ids, action: 'otp_send', channel: 'fax' }))).toEqual(['channel']);
    expect(fields(validateOrchestratorRequest({ ...ids, action: 'otp_send', channel: 'app' }))).toEqual(['channel']);
    expect(fields(validateOrchestratorRequest({ ...ids, action: 'kba_question', level: 'expert' }))).toEqual(['level']);
    for (const wait_seconds of [0, 21, 2.5, 'soon']) {
      expect(fields(validateOrchestratorRequest({ ...ids, action: 'did_wait', wait_seconds }))).toEqual(['wait_seconds']);
    }
    const long = (n: number) => 'x'.repeat(n);
    expect(fields(validateOrchestratorRequest({ ...ids, action: 'otp_verify', code: '1'.repeat(17) }))).toEqual(['code']);
    expect(fields(validateOrchestratorRequest({ ...ids, action: 'identify', account_ref: long(65) }))).toEqual(['account_ref']);
    expect(fields(validateOrchestratorRequest({ ...ids, action: 'kba_verify', question_id: long(129), answer: long(201) }))).toEqual([
      'answer',
      'question_id',
    ]);
    expect(fields(validateOrchestratorRequest({ ...ids, call_id: long(129), action: 'status' }))).toEqual(['call_id']);
    // Several problems at once are all named in one answer.
    expect(fields(validateOrchestratorRequest({ conversation_id: 'c', action: 'otp_verify', channel: 'fax' }))).toEqual([
      'call_id',
      'channel',
      'code',
    ]);
  });

  it('accepted lengths are inclusive', () => {
    expect(validateOrchestratorRequest({ ...ids, action: 'otp_verify', code: '1'.repeat(16) }).ok).toBe(true);
    expect(validateOrchestratorRequest({ ...ids, action: 'identify', account_ref: 'x'.repeat(64) }).ok).toBe(true);
    expect(validateOrchestratorRequest({ ...ids, action: 'kba_verify', question_id: 'q'.repeat(128), answer: 'a'.repeat(200) }).ok).toBe(
      true,
    );
  });

  it('normalises: numeric code → string, trims, lower-cases enums, blanks and nulls are absent, extras ignored', () => {
    const r = validateOrchestratorRequest({
      call_id: '  CA123 ',
      conversation_id: 'conv_1',
      action: ' OTP_Verify ',
      code: 42917,
      channel: '',
      level: null,
      answer: '   ',
      host_session_token: '',
      tool_call_id: 'abc',
      nested: { x: 1 },
    });
    expect(r).toEqual({ ok: true, value: { call_id: 'CA123', conversation_id: 'conv_1', action: 'otp_verify', code: '42917' } });
    const spoken = validateOrchestratorRequest({ ...ids, action: 'otp_verify', code: ' 123 456 ', channel: 'APP' });
    expect(spoken).toMatchObject({ ok: true, value: { code: '123456', channel: 'app' } });
    const wait = validateOrchestratorRequest({ ...ids, action: 'did_wait', wait_seconds: '15' });
    expect(wait).toMatchObject({ ok: true, value: { wait_seconds: 15 } });
    const trimmed = validateOrchestratorRequest({ ...ids, action: 'kba_verify', question_id: ' q1 ', answer: '  Smith ' });
    expect(trimmed).toMatchObject({ ok: true, value: { question_id: 'q1', answer: 'Smith' } });
    expect(validateOrchestratorRequest({ ...ids, action: 'identify', account_ref: 100234 })).toMatchObject({
      ok: true,
      value: { account_ref: '100234' },
    });
  });

  it('never echoes a code or an answer in an error message', () => {
    const secret = '98765432109876543';
    const r = validateOrchestratorRequest({ ...ids, action: 'otp_verify', code: secret, answer: `${secret}${'y'.repeat(200)}` });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain(secret);
  });

  it('is what the tool schema itself enforces (the HTTP layer may call def.input.safeParse directly)', () => {
    expect(authOrchestrator.input.safeParse({ ...ids, action: 'identify' }).success).toBe(false);
    expect(authOrchestrator.input.safeParse({ ...ids, action: 'identify', account_ref: '1' }).success).toBe(true);
  });
});
