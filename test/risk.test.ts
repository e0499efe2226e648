import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { signBody } from '../src/crypto/signature.js';
import { mintHostSessionToken } from '../src/factors/host-session/verifier.js';
import type { ScreenResult } from '../src/providers/voxeq/types.js';
import { enrolAda, makeTestApp, passKba, passOtp, ring, testPolicies, type TestApp } from './helpers/app.js';

const VOXEQ = 'voxeq-test-secret-0123456789abcdef';
const HOST = 'host-session-secret-0123456789abcdef';
let t: TestApp;
afterEach(() => t?.close());

async function setup(opts: { policies?: string[] } = {}) {
  t = await makeTestApp({ screen: { webhookSecret: VOXEQ }, hostSessionSecret: HOST, ...(opts.policies ? { policies: testPolicies(opts.policies) } : {}) });
  await enrolAda(t);
}

const result = (call_id: string, over: Partial<ScreenResult> = {}): ScreenResult => ({
  call_id,
  risk: 'clear',
  watch_list: false,
  synthetic_voice: false,
  profile_mismatch: false,
  poor_audio: false,
  score: 0.12,
  ...over,
});

/** POST /voxeq/results as VoxEQ would: raw body, X-Callgate-Signature over it. */
async function push(body: unknown, opts: { secret?: string; at?: number; header?: string | null } = {}) {
  const raw = JSON.stringify(body);
  const header =
    opts.header === undefined ? await signBody(opts.secret ?? VOXEQ, raw, opts.at ?? Math.floor(t.clock.now() / 1000)) : opts.header;
  const res = await t.app.request('/voxeq/results', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(header ? { 'x-callgate-signature': header } : {}) },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as Record<string, any>, header };
}

describe('VoxEQ results: signed callbacks', () => {
  it('accepts a signed result and reports the decision', async () => {
    await setup();
    await ring(t, 'CA1');
    const res = await push(result('CA1'));
    expect(res).toMatchObject({ status: 200, body: { success: true, call_id: 'CA1', status: 'pending', risk_tier: 'low', privileged_allowed: false } });
    const status = await t.tool('CA1', 'screen');
    expect(status.body).toMatchObject({ success: true, screen: { status: 'clear', labels: [] } });
  });

  it('refuses unsigned, badly signed, stale and replayed deliveries, and changes nothing', async () => {
    await setup();
    await ring(t, 'CA1');
    const watch = result('CA1', { risk: 'high', watch_list: true });
    expect((await push(watch, { header: null })).body).toEqual({ success: false, reason: 'missing_signature' });
    expect((await push(watch, { secret: 'another-secret-0123456789abcdefgh' })).body.reason).toBe('bad_signature');
    expect((await push(watch, { at: Math.floor(t.clock.now() / 1000) - 301 })).body.reason).toBe('stale_signature');
    expect((await t.tool('CA1', 'status')).body.auth_state.status).toBe('pending');

    const first = await push(result('CA1'));
    expect(first.status).toBe(200);
    const replay = await t.app.request('/voxeq/results', {
      method: 'POST',
      headers: { 'x-callgate-signature': first.header! },
      body: JSON.stringify(result('CA1')),
    });
    expect(replay.status).toBe(409);
    expect(await replay.json()).toEqual({ success: false, reason: 'replayed' });
    // The same signature spelled differently is the same delivery.
    const [tPart, v1Part] = first.header!.split(',');
    for (const respelled of [`${first.header},x=1`, `${tPart}, ${v1Part}`, `${tPart},${v1Part!.toUpperCase().replace('V1=', 'v1=')}`]) {
      const again = await push(result('CA1'), { header: respelled });
      expect(again.status, respelled).toBe(409);
    }
  });

  it('names bad fields, 404s an unknown call, 503s when not configured', async () => {
    await setup();
    const bad = await push({ call_id: 'CA1', risk: 'maybe', watch_list: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['risk', 'watch_list']));
    expect((await push(result('CA-none'))).status).toBe(404);
    const plain = await makeTestApp();
    const res = await plain.app.request('/voxeq/results', { method: 'POST', body: '{}' });
    expect(res.status).toBe(503);
    plain.close();
  });
});

describe('signals move the policy', () => {
  it.each(['watch_list', 'synthetic_voice', 'profile_mismatch'] as const)('%s hands the call off with a packet', async (flag) => {
    await setup();
    await ring(t, 'CA1');
    // The caller answered a question first: the packet must carry that it passed, never the answer.
    expect((await passKba(t, 'CA1')).body.success).toBe(true);
    const res = await push(result('CA1', { risk: 'high', [flag]: true }));
    expect(res.body).toMatchObject({ status: 'handed_off', risk_tier: 'high' });
    const status = await t.tool('CA1', 'status');
    expect(status.body).toMatchObject({ next_required_step: 'transfer_to_human', handoff: { queue: 'fraud_review', reason: 'risk_high' } });
    expect(status.body.handoff.risk_labels).toContain(flag);
    const packet = JSON.stringify(status.body.handoff);
    expect(packet).not.toMatch(/two hundred|94107/i);
  });

  it("the screen's own high verdict hands off too", async () => {
    await setup();
    await ring(t, 'CA1');
    expect((await push(result('CA1', { risk: 'high' }))).body.status).toBe('handed_off');
  });

  it('a watch-list hit after authentication closes transfer_funds at once', async () => {
    await setup();
    await ring(t, 'CA1');
    await passOtp(t, 'CA1');
    await passKba(t, 'CA1');
    expect((await t.post('transfer_funds', 'CA1', { to_account: 'savings', amount: 1 })).status).toBe(200);
    await push(result('CA1', { risk: 'high', watch_list: true }));
    const refused = await t.post('transfer_funds', 'CA1', { to_account: 'savings', amount: 1 });
    expect(refused).toMatchObject({ status: 403, body: { reason: 'blocked', next_required_step: 'transfer_to_human' } });
    expect((await t.post('account_summary', 'CA1')).status).toBe(403);
    // Nothing reopens it: a clear result afterwards changes nothing.
    await push(result('CA1'));
    expect((await t.tool('CA1', 'status')).body.auth_state.status).toBe('handed_off');
  });

  it('a medium signal mid-call steps an authenticated caller up to two factors', async () => {
    await setup();
    await ring(t, 'CA1');
    await passOtp(t, 'CA1');
    expect((await t.post('account_summary', 'CA1')).status).toBe(200);
    const res = await push(result('CA1', { risk: 'uncertain' }));
    expect(res.body).toMatchObject({ risk_tier: 'medium', privileged_allowed: false, status: 'pending' });
    const refused = await t.post('account_summary', 'CA1');
    expect(refused).toMatchObject({ status: 403, body: { reason: 'step_up_required' } });
    await passKba(t, 'CA1');
    expect((await t.post('account_summary', 'CA1')).status).toBe(200);
  });

  it('a clear screen is never a factor: on the medium tier one OTP stays one short under both shipped policies', async () => {
    for (const policy of ['default', 'nist-aal2']) {
      await setup({
        // The shipped nist-aal2.yaml, made the default for this test.
        policies: policy === 'nist-aal2' ? [readFileSync('policies/nist-aal2.yaml', 'utf8').replace(/^id: nist-aal2\b/m, 'id: default')] : [],
      });
      await ring(t, 'CA1');
      await push(result('CA1'));
      await t.services.calls.setSignal('CA1', 'poor_audio', true, t.clock.now()); // medium, though the screen was clear
      const res = await passOtp(t, 'CA1');
      expect(res.body.auth_state.risk_tier).toBe('medium');
      expect(res.body.privileged_allowed).toBe(false);
      expect(res.body.auth_state.successes).toEqual(['otp']);
      t.close();
    }
  });
});

describe('screen timeouts', () => {
  it('fail closed by default: an unanswered screen raises the tier', async () => {
    await setup();
    await ring(t, 'CA1');
    t.clock.advance(8_000);
    const res = await passOtp(t, 'CA1');
    expect(res.body.auth_state).toMatchObject({ risk_tier: 'medium', risk_signals: { screen_unavailable: true } });
    expect(res.body.privileged_allowed).toBe(false);
    expect(t.eventTypes('CA1')).toContain('screen_unavailable');
    expect((await t.tool('CA1', 'screen')).body).toMatchObject({ success: false, reason: 'screen_unavailable' });
  });

  it('fail open when the policy says so, and every fail-open is a degraded event', async () => {
    await setup({
      policies: [`id: default\nversion: 3\nfactors: {screen: {wait_seconds: 8, on_unavailable: fail_open}}\ntiers:\n  low: {require: 1, from: [otp]}\n  medium: {require: 2, from: [otp, totp]}\n  high: {handoff: true}\n`],
    });
    await ring(t, 'CA1');
    t.clock.advance(8_000);
    const res = await passOtp(t, 'CA1');
    expect(res.body).toMatchObject({ privileged_allowed: true, auth_state: { risk_tier: 'low' } });
    expect(t.eventTypes('CA1')).toEqual(expect.arrayContaining(['screen_unavailable', 'degraded']));
    expect(t.logs.some((l) => l.includes('"event":"degraded"') && l.includes('"stream":"fraud_ops"'))).toBe(true);
  });

  it('a screen that answers in time is not unavailable; no screen configured means no deadline', async () => {
    await setup();
    await ring(t, 'CA1');
    await push(result('CA1'));
    t.clock.advance(30_000);
    expect((await t.tool('CA1', 'status')).body.auth_state.risk_signals.screen_unavailable).toBe(false);
    const plain = await makeTestApp();
    await enrolAda(plain);
    await ring(plain, 'CA2');
    plain.clock.advance(60_000);
    expect((await passOtp(plain, 'CA2')).body.privileged_allowed).toBe(true);
    plain.close();
  });
});

describe('host-app session passthrough', () => {
  const mint = (sub: string, over: { ttlSeconds?: number; secret?: string; now?: number } = {}) =>
    mintHostSessionToken(over.secret ?? HOST, { sub, ttlSeconds: over.ttlSeconds ?? 300, now: over.now ?? t.clock.now() });

  it('a valid token identifies the caller (no identify step) but is never a success', async () => {
    await setup();
    const res = await t.tool('conv_web', 'status', { host_session_token: await mint('cust_ada') });
    expect(res.body).toMatchObject({ next_required_step: 'otp_send', privileged_allowed: false, auth_state: { identified: true, successes: [], auth_success_count: 0 } });
    expect((await t.post('account_summary', 'conv_web')).body.reason).toBe('not_authenticated');
    expect((await t.admin('GET', '/calls/conv_web')).body.auth_state.identified_by).toBe('host_session');
  });

  it.each([
    ['expired', async () => mint('cust_ada', { now: t.clock.now() - 600_000, ttlSeconds: 60 })],
    ['signed with another key', async () => mint('cust_ada', { secret: 'not-the-host-secret-0123456789abcd' })],
    ['garbage', async () => 'not.a.jwt'],
  ])('an invalid token (%s) is the host_session_invalid signal, not an error', async (_name, token) => {
    await setup();
    const res = await t.tool('conv_web', 'status', { host_session_token: await token() });
    expect(res.status).toBe(200);
    expect(res.body.auth_state).toMatchObject({ identified: false, risk_tier: 'medium', risk_signals: { host_session_invalid: true } });
  });

  it('a token for another customer than the one already proven is a risk signal', async () => {
    await setup();
    await t.admin('POST', '/customers', { customer_id: 'cust_bob', account_refs: ['BOB-1'] });
    await ring(t, 'CA1');
    await passOtp(t, 'CA1');
    const res = await t.tool('CA1', 'status', { host_session_token: await mint('cust_bob') });
    expect(res.body.auth_state).toMatchObject({ risk_tier: 'medium', risk_signals: { host_session_invalid: true } });
    expect((await t.admin('GET', '/calls/CA1')).body.auth_state.customer_id).toBe('cust_ada');
  });
});

describe('caller ID', () => {
  it('alone never unlocks anything, whatever its attestation', async () => {
    await setup();
    await t.initiation({ call_sid: 'CA1', caller_id: '+14155550142', stir_verstat: 'TN-Validation-Passed-A' });
    const res = await t.tool('CA1', 'status');
    // Caller ID claims nobody: even a fully attested number of an enrolled customer only picks a candidate.
    expect(res.body).toMatchObject({ privileged_allowed: false, auth_state: { identified: false, auth_success_count: 0, risk_signals: { caller_id_unverified: false } } });
    for (const tool of ['account_summary', 'transfer_funds', 'update_card_limit']) {
      expect((await t.post(tool, 'CA1', { to_account: 'savings', amount: 1, new_limit: 10 })).status).toBe(403);
    }
  });

  it('an unattested or failed caller ID is the caller_id_unverified signal', async () => {
    await setup();
    await t.initiation({ call_sid: 'CA2', caller_id: '+14155550142' });
    await t.initiation({ call_sid: 'CA3', caller_id: '+14155550142', stir_verstat: 'TN-Validation-Failed-A' });
    expect((await t.tool('CA2', 'status')).body.auth_state.risk_signals).toMatchObject({ caller_id_unverified: true, caller_id_attestation: 'none' });
    expect((await t.tool('CA3', 'status')).body.auth_state.risk_signals).toMatchObject({ caller_id_unverified: true, caller_id_attestation: 'failed' });
  });
});

describe('pulled screens', () => {
  it('the screen action pulls a verdict from the provider and the policy acts on it', async () => {
    const { createVoxeqSimulator } = await import('../src/providers/voxeq/simulator.js');
    t = await makeTestApp({ screen: { provider: createVoxeqSimulator({ scenarios: { 'CA-w': 'watch_list' }, default: 'clear' }) } });
    await enrolAda(t);
    await ring(t, 'CA-ok');
    expect((await t.tool('CA-ok', 'screen')).body).toMatchObject({ success: true, screen: { status: 'clear' } });
    await ring(t, 'CA-w');
    const flagged = await t.tool('CA-w', 'screen');
    expect(flagged.body).toMatchObject({ success: false, reason: 'risk_high', next_required_step: 'transfer_to_human', auth_state: { status: 'handed_off' } });
  });

  it('an outage of the pull API becomes screen_unavailable at the deadline, fail closed', async () => {
    const { startFakeVoxeq, FAKE_VOXEQ_API_KEY } = await import('./fakes/voxeq.js');
    const { createVoxeqPullProvider } = await import('../src/providers/voxeq/pull.js');
    const fake = await startFakeVoxeq();
    try {
      const { fakeClock } = await import('./helpers/clock.js');
      const provider = createVoxeqPullProvider({ baseUrl: fake.url, apiKey: FAKE_VOXEQ_API_KEY, clock: fakeClock(), timeoutMs: 500 });
      t = await makeTestApp({ screen: { provider } });
      await enrolAda(t);
      await ring(t, 'CA1');
      fake.failNext(10, 503);
      expect((await t.tool('CA1', 'screen')).body.reason).toBe('pending');
      t.clock.advance(8_000);
      const res = await t.tool('CA1', 'status');
      expect(res.body.auth_state).toMatchObject({ risk_tier: 'medium', risk_signals: { screen_unavailable: true } });
    } finally {
      await fake.close();
    }
  });
});
