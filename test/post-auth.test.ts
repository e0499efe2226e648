import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { postAuthTools } from '../tools/post-auth/index.js';
import { enrolAda, makeTestApp, passKba, passOtp, ring, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
  await enrolAda(t);
  await ring(t, 'CA1');
});
afterEach(() => t.close());

const ARGS: Record<string, Record<string, unknown>> = {
  account_summary: {},
  transfer_funds: { from_account: 'checking', to_account: 'savings', amount: 25 },
  update_card_limit: { new_limit: 2500 },
};

describe('POST /tools/post/{tool}', () => {
  it.each(Object.keys(postAuthTools))('%s is refused before authentication, with the next step', async (tool) => {
    const res = await t.post(tool, 'CA1', ARGS[tool]);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      success: false,
      reason: 'not_authenticated',
      next_required_step: 'otp_send',
      next_step_args: { channel: 'sms' },
    });
  });

  it('refuses an unknown call without revealing anything', async () => {
    const res = await t.post('account_summary', 'CA-nobody');
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ success: false, reason: 'not_authenticated', next_required_step: 'identify' });
  });

  it('opens account_summary after one factor; transfer_funds needs a second (step-up)', async () => {
    await passOtp(t, 'CA1');
    const summary = await t.post('account_summary', 'CA1');
    expect(summary.status).toBe(200);
    expect(summary.body.success).toBe(true);

    const stepUp = await t.post('transfer_funds', 'CA1', ARGS.transfer_funds);
    expect(stepUp.status).toBe(403);
    // Ada has an authenticator app: the policy's next factor is TOTP.
    expect(stepUp.body).toEqual({
      success: false,
      reason: 'step_up_required',
      next_required_step: 'otp_verify',
      next_step_args: { channel: 'app' },
    });

    const kba = await passKba(t, 'CA1');
    expect(kba.body.success).toBe(true);
    const transfer = await t.post('transfer_funds', 'CA1', ARGS.transfer_funds);
    expect(transfer.status).toBe(200);
    expect(transfer.body.success).toBe(true);
    const limit = await t.post('update_card_limit', 'CA1', ARGS.update_card_limit);
    expect(limit.body.success).toBe(true);
  });

  it('refuses transfer_funds again when its proof is older than max_age_seconds', async () => {
    await passOtp(t, 'CA1');
    await passKba(t, 'CA1');
    t.clock.advance(301_000);
    const stale = await t.post('transfer_funds', 'CA1', ARGS.transfer_funds);
    expect(stale.status).toBe(403);
    expect(stale.body.reason).toBe('step_up_required');
    // Tools without a freshness rule stay open.
    expect((await t.post('update_card_limit', 'CA1', ARGS.update_card_limit)).status).toBe(200);
    // Fresh proof reopens it.
    t.clock.advance(31_000);
    await t.tool('CA1', 'otp_send', { channel: 'sms' });
    await t.tool('CA1', 'otp_verify', { code: t.lastCode() });
    await passKba(t, 'CA1');
    expect((await t.post('transfer_funds', 'CA1', ARGS.transfer_funds)).status).toBe(200);
  });

  it('moves money once when the platform retries the same transfer', async () => {
    await passOtp(t, 'CA1');
    await passKba(t, 'CA1');
    const answers = await Promise.all(Array.from({ length: 10 }, () => t.post('transfer_funds', 'CA1', ARGS.transfer_funds)));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    const accounts = await t.ledger.accountsOf('cust_ada');
    expect(accounts.find((a) => a.ref === 'CHK-1001')?.balanceCents).toBe(500_000 - 2_500);
  });

  it('refuses a call bound to another conversation', async () => {
    await passOtp(t, 'CA1');
    const res = await t.send('POST', '/tools/post/account_summary', { call_id: 'CA1', conversation_id: 'conv-evil' }, 'test-tool-secret');
    expect(res.status).toBe(403);
    expect(res.body.reason).toBe('conversation_mismatch');
  });

  it('closes every tool once the call is handed off', async () => {
    await passOtp(t, 'CA1');
    await t.tool('CA1', 'handoff');
    for (const tool of Object.keys(postAuthTools)) {
      const res = await t.post(tool, 'CA1', ARGS[tool]);
      expect(res.body).toEqual({ success: false, reason: 'blocked', next_required_step: 'transfer_to_human' });
    }
  });

  it('validates tool arguments with named fields, and 404s an unknown tool', async () => {
    await passOtp(t, 'CA1');
    const bad = await t.post('transfer_funds', 'CA1', { to_account: 'savings', amount: -5 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('amount');
    const unknown = await t.post('wire_everything', 'CA1');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ success: false, reason: 'unknown_tool' });
  });

  it('records one gate event per tool call in the audit trail', async () => {
    await t.post('account_summary', 'CA1');
    await passOtp(t, 'CA1');
    await t.post('account_summary', 'CA1');
    const trail = await t.admin('GET', '/calls/CA1');
    const gates = trail.body.events.filter((e: { type: string }) => e.type === 'tool_gate');
    expect(gates.map((g: { allowed: boolean }) => g.allowed)).toEqual([false, true]);
  });

  it('commits a read tool\'s decision with its result, and a write tool\'s decision before it runs', async () => {
    await passOtp(t, 'CA1');
    await passKba(t, 'CA1');
    const pairs = vi.spyOn(t.services.events, 'appendPair');
    const singles = vi.spyOn(t.services.events, 'append');
    expect((await t.post('account_summary', 'CA1')).status).toBe(200);
    expect(pairs).toHaveBeenCalledTimes(1);
    expect(singles).not.toHaveBeenCalled();
    expect((await t.post('transfer_funds', 'CA1', ARGS.transfer_funds)).status).toBe(200);
    expect(pairs).toHaveBeenCalledTimes(1);
    expect(singles.mock.calls.map((c) => c[1])).toEqual(['tool_gate', 'tool_result']);
    const types = t.eventTypes('CA1');
    expect(types.slice(-4)).toEqual(['tool_gate', 'tool_result', 'tool_gate', 'tool_result']);
  });

  it.each([['account_summary'], ['transfer_funds']])('keeps %s\'s decision on record when the tool fails', async (tool) => {
    await passOtp(t, 'CA1');
    await passKba(t, 'CA1');
    t.sqlite.exec('DROP TABLE ledger_transfers; DROP TABLE ledger_accounts');
    const res = await t.post(tool, 'CA1', ARGS[tool]);
    expect(res.status).toBe(500);
    const types = t.eventTypes('CA1');
    expect(types.at(-1)).toBe('tool_gate');
    expect(types).not.toContain('tool_result');
  });
});

describe('conversation binding on auth_orchestrator', () => {
  it('binds the first conversation and refuses another, without leaking state', async () => {
    expect((await t.tool('CA1', 'status')).body.success).toBe(true);
    const other = await t.send(
      'POST',
      '/tools/auth_orchestrator',
      { call_id: 'CA1', conversation_id: 'conv-other', action: 'identify', account_ref: 'AC10012002' },
      'test-tool-secret',
    );
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ success: false, reason: 'conversation_mismatch', next_required_step: 'transfer_to_human', privileged_allowed: false });
  });

  it('creates the auth_state on first use for web sessions (no initiation webhook)', async () => {
    const res = await t.tool('conv_web_1', 'status');
    expect(res.body).toMatchObject({ success: true, next_required_step: 'identify', auth_state: { call_id: 'conv_web_1', status: 'pending', identified: false } });
  });
});

describe('isolation of the post-auth graph', () => {
  it('no pre-auth answer (initiation or orchestrator, any action or outcome) names a post-auth tool', async () => {
    const before = t.responses.length;
    await ring(t, 'CA-iso');
    for (const [action, args] of [
      ['status', {}],
      ['identify', { account_ref: 'nope-1' }],
      ['identify', { account_ref: 'AC-1001-2002' }],
      ['otp_send', { channel: 'sms' }],
      ['otp_verify', { code: '000000' }],
      ['kba_question', { level: 'advanced' }],
      ['kba_verify', { question_id: 'q_deposit', answer: 'no' }],
      ['did_issue', {}],
      ['screen', {}],
      ['otp_verify', { channel: 'app', code: '123456' }],
      ['handoff', {}],
      ['status', {}],
    ] as const) {
      await t.tool('CA-iso', action, args);
    }
    const preAuth = t.responses.slice(before).join('\n');
    expect(preAuth).toContain('transfer_to_human'); // the scan saw real answers, handoff included
    for (const name of Object.keys(postAuthTools)) expect(preAuth).not.toContain(name);
  });
});
