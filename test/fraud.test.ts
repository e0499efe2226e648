// A fraudster with a phone and a script, tried from outside: each attack of the threat model
// (docs/security.md) as a sequence of requests, and the defence that must hold against it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generate } from 'otplib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/kernel/ports.js';
import { startServer, type RunningServer } from '../src/runtime/node/server.js';
import { serverClient } from './helpers/server-client.js';
import { ADA, ADA_PHONE, enrolAda, enrolDevice, makeTestApp, ring, testPolicies, type TestApp } from './helpers/app.js';

/** The fraudster is a customer too: her own phone, her own account, a question with Ada's id. */
const MALLORY = {
  customer_id: 'cust_mallory',
  display_name: 'Mallory',
  phones: ['+15550009999'],
  email: 'mallory@example.com',
  account_refs: ['MAL-0001'],
  kba: [{ id: 'q_deposit', level: 'advanced', question: 'What was the amount of your last deposit?', answer: 'ten dollars' }],
};
const MALLORY_PHONE = '+15550009999';
const ADA_REF = 'AC-1001-2002';
const ADA_KBA = 'two hundred fifty dollars';

/** The default policy with other numbers in its budgets/limits (the lines as default.yaml has them). */
function policyWith(replace: Record<string, string>): string {
  let text = readFileSync('policies/default.yaml', 'utf8').replace(/^version: 1$/m, 'version: 99');
  for (const [from, to] of Object.entries(replace)) {
    if (!text.includes(from)) throw new Error(`default.yaml has no line ${from}`);
    text = text.replace(from, to);
  }
  return text;
}

// ── over a real socket, a real SQLite file, and a restart ──────────────────────────────────────

describe('against the running server (real HTTP, real SQLite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callgate-fraud-'));
  const env = { CALLGATE_DB: join(dir, 'callgate.sqlite'), PORT: '0', HOST: '127.0.0.1', CALLGATE_POLICY_DIR: 'policies' };
  let server: RunningServer;
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function client() {
    const c = serverClient(server.url, dir);
    return {
      ...c,
      /** The codes the dev outbox holds for a destination, newest first. */
      codesTo: async (to: string) => ((await c.admin('GET', '/outbox')).body.messages as { to: string; code: string }[]).filter((m) => m.to === to),
    };
  }

  it('starts with Ada (the victim) and Mallory (the fraudster) enrolled', async () => {
    server = await startServer({ env, print: () => {}, logger: silentLogger });
    const c = client();
    expect((await c.admin('POST', '/customers', ADA)).status).toBe(201);
    expect((await c.admin('POST', '/customers', MALLORY)).status).toBe(201);
  });

  it('finding 1, identity swap: a code sent to the fraudster never proves the victim', async () => {
    const c = client();
    await c.ring('CAswap1', MALLORY_PHONE);
    expect((await c.tool('CAswap1', 'identify', { account_ref: 'MAL-0001' })).body.success).toBe(true);
    expect((await c.tool('CAswap1', 'otp_send', { channel: 'sms' })).body.success).toBe(true);
    const [mine] = await c.codesTo(MALLORY_PHONE);
    // No factor has passed: the claim may still move, and moving it voids what was issued.
    expect((await c.tool('CAswap1', 'identify', { account_ref: ADA_REF })).body).toMatchObject({ success: true, auth_state: { identified: true } });
    const db = new Database(env.CALLGATE_DB, { readonly: true });
    expect(db.prepare("select status from otp_challenges where call_id = 'CAswap1'").all()).toEqual([{ status: 'superseded' }]);
    db.close();
    const verify = await c.tool('CAswap1', 'otp_verify', { code: mine!.code });
    expect(verify.body).toMatchObject({ success: false, reason: 'no_code_sent', privileged_allowed: false, auth_state: { status: 'pending', successes: [] } });
    expect((await c.post('account_summary', 'CAswap1')).status).toBe(403);
  });

  it('finding 1, the other way round: after a factor passed the identity is fixed, and trying costs a failed check', async () => {
    const c = client();
    await c.ring('CAswap2', MALLORY_PHONE);
    await c.tool('CAswap2', 'identify', { account_ref: 'MAL-0001' });
    await c.tool('CAswap2', 'otp_send', { channel: 'sms' });
    const [mine] = await c.codesTo(MALLORY_PHONE);
    expect((await c.tool('CAswap2', 'otp_verify', { code: mine!.code })).body.success).toBe(true);
    const swap = await c.tool('CAswap2', 'identify', { account_ref: ADA_REF });
    expect(swap.body).toMatchObject({ success: false, reason: 'already_authenticated' });
    const trail = await c.admin('GET', '/calls/CAswap2');
    expect(trail.body.auth_state.customer_id).toBe('cust_mallory');
    expect(trail.body.events.filter((e: { type: string; factor?: string }) => e.type === 'factor_failed' && e.factor === 'identify')).toHaveLength(1);
  });

  it('finding 2, guessing across calls: 50 concurrent wrong answers over 50 calls take exactly the budget, durably', async () => {
    const c = client();
    const calls = Array.from({ length: 50 }, (_, i) => `CAkba${i}`);
    // Each from its own number, so no per-number limit plays a part: only the customer's budget.
    for (const [i, id] of calls.entries()) {
      await c.ring(id, `+1555100${String(i).padStart(4, '0')}`);
      await c.tool(id, 'identify', { account_ref: ADA_REF });
      expect((await c.tool(id, 'kba_question', { level: 'advanced' })).body.success).toBe(true);
    }
    const answers = await Promise.all(calls.map((id) => c.tool(id, 'kba_verify', { question_id: 'q_deposit', answer: 'one million' })));
    const reasons = answers.map((a) => a.body.reason);
    expect(reasons.filter((r) => r === 'wrong_answer')).toHaveLength(10); // knowledge.max_failures
    expect(reasons.filter((r) => r === 'locked')).toHaveLength(40);
    // Past the budget the right answer is refused too, and the next step is not another question.
    await c.ring('CAkbaRight', '+15552000000');
    await c.tool('CAkbaRight', 'identify', { account_ref: ADA_REF });
    const right = await c.tool('CAkbaRight', 'kba_question', { level: 'advanced' });
    expect(right.body).toMatchObject({ success: false, reason: 'locked' });
    expect(right.body.next_required_step).not.toMatch(/^kba_/);

    // A restart forgets nothing: the lock is a row, not process memory.
    await server.close();
    server = await startServer({ env, print: () => {}, logger: silentLogger });
    const again = client();
    await again.ring('CAkbaAfter', '+15552000001');
    await again.tool('CAkbaAfter', 'identify', { account_ref: ADA_REF });
    expect((await again.tool('CAkbaAfter', 'kba_question', { level: 'advanced' })).body.reason).toBe('locked');
    const db = new Database(env.CALLGATE_DB, { readonly: true });
    try {
      expect(db.prepare("select window_failures, consecutive from guess_budgets where customer_id = 'cust_ada' and family = 'knowledge'").get()).toEqual({
        window_failures: 10,
        consecutive: 10,
      });
      const locks = db.prepare("select data from events where type = 'budget_locked'").all() as { data: string }[];
      expect(locks).toHaveLength(1);
      expect(JSON.parse(locks[0]!.data)).toMatchObject({ customer_id: 'cust_ada', family: 'knowledge', failures_in_window: 10 });
      // Nothing secret in the lock event: no answer, no question text.
      expect(locks[0]!.data).not.toMatch(/million|deposit|two hundred/i);
    } finally {
      db.close();
    }
  });

  it('finding 3, SMS flooding: across calls and numbers, one destination gets 5 codes, then rate_limited and never another send', async () => {
    const c = client();
    const before = (await c.codesTo(ADA_PHONE)).length;
    const answers = [];
    for (let i = 0; i < 12; i++) {
      const id = `CAsms${i}`;
      await c.ring(id, `+1555300${String(i).padStart(4, '0')}`);
      await c.tool(id, 'identify', { account_ref: ADA_REF });
      answers.push((await c.tool(id, 'otp_send', { channel: 'sms' })).body);
    }
    expect(answers.filter((a) => a.success)).toHaveLength(5);
    for (const refused of answers.filter((a) => !a.success)) {
      expect(refused).toMatchObject({ reason: 'rate_limited' });
      expect(refused.next_required_step).not.toBe('otp_send');
    }
    expect((await c.codesTo(ADA_PHONE)).length - before).toBe(5);
  });

  it('finding 5, enumeration: an enrolled and an unknown caller ID get the same answers until a factor passes', async () => {
    const c = client();
    const enrolled = await c.ring('CAenum1', MALLORY_PHONE);
    const unknown = await c.ring('CAenum2', '+15559990000');
    const same = (b: Record<string, any>) => JSON.stringify(b).replaceAll(/CAenum\d/g, 'CA');
    expect(same(enrolled.body)).toBe(same(unknown.body));
    for (const [action, args] of [
      ['status', {}],
      ['otp_send', { channel: 'sms' }],
      ['kba_question', { level: 'advanced' }],
      ['otp_verify', { channel: 'app', code: '123456' }],
    ] as const) {
      const a = await c.tool('CAenum1', action, args);
      const b = await c.tool('CAenum2', action, args);
      expect(same(a.body), action).toBe(same(b.body));
      expect(JSON.stringify(a.body)).not.toMatch(/deposit|Mallory|9999/);
    }
  });
});

// ── in process, with a clock the test moves ────────────────────────────────────────────────────

let t: TestApp;
afterEach(() => t?.close());

/** A fresh app with Ada and Mallory enrolled; returns Ada's authenticator seed. */
async function withVictim(policies?: string[]): Promise<string> {
  t = await makeTestApp(policies ? { policies: testPolicies(policies) } : {});
  const uri = await enrolAda(t);
  expect((await t.admin('POST', '/customers', MALLORY)).status).toBe(201);
  return new URL(uri).searchParams.get('secret')!;
}

/** A new call from a new number, claiming Ada: per-call limits never play a part. */
let calls = 0;
async function adaCall(): Promise<string> {
  const id = `CN${++calls}`;
  await ring(t, id, `+1555${String(calls).padStart(7, '0')}`, { identify: false });
  expect((await t.tool(id, 'identify', { account_ref: ADA_REF })).body.success).toBe(true);
  return id;
}

describe('identity swaps: every challenge is bound to the customer claimed when it was issued', () => {
  it('kba_question for the fraudster, then identify the victim, then kba_verify: the question is no longer asked', async () => {
    await withVictim();
    await ring(t, 'CA1', MALLORY_PHONE, { identify: false });
    await t.tool('CA1', 'identify', { account_ref: 'MAL-0001' });
    expect((await t.tool('CA1', 'kba_question', { level: 'advanced' })).body.question.id).toBe('q_deposit');
    await t.tool('CA1', 'identify', { account_ref: ADA_REF });
    // The same question id exists for Ada, but it was asked of Mallory: answering it proves nothing.
    const res = await t.tool('CA1', 'kba_verify', { question_id: 'q_deposit', answer: 'ten dollars' });
    expect(res.body).toMatchObject({ success: false, reason: 'question_not_asked', auth_state: { successes: [] } });
    // Even Ada's own answer to a question asked of Mallory does not count.
    expect((await t.tool('CA1', 'kba_verify', { question_id: 'q_deposit', answer: ADA_KBA })).body.reason).toBe('question_not_asked');
  });

  it('did_issue for the fraudster, then identify the victim: the DID is void, and her device cannot confirm it', async () => {
    await withVictim();
    const mallorysPhone = await enrolDevice(t, 'cust_mallory', 'mallory-phone');
    await ring(t, 'CA2', MALLORY_PHONE, { identify: false });
    await t.tool('CA2', 'identify', { account_ref: 'MAL-0001' });
    const did = (await t.tool('CA2', 'did_issue')).body.did as string;
    await t.tool('CA2', 'identify', { account_ref: ADA_REF });
    const confirm = await mallorysPhone.confirm(did);
    expect(confirm.status).toBe(404);
    const status = await t.tool('CA2', 'status');
    expect(status.body).toMatchObject({ privileged_allowed: false, auth_state: { status: 'pending', successes: [] } });
  });

  it("a device of another customer confirming the victim's DID is refused and counted against the call", async () => {
    await withVictim();
    await enrolDevice(t, 'cust_ada', 'ada-phone');
    const mallorysPhone = await enrolDevice(t, 'cust_mallory', 'mallory-phone');
    await ring(t, 'CA3');
    const did = (await t.tool('CA3', 'did_issue')).body.did as string;
    const res = await mallorysPhone.confirm(did);
    expect(res).toMatchObject({ status: 401, body: { reason: 'device_not_allowed' } });
    expect(t.eventTypes('CA3')).toContain('factor_failed');
    expect((await t.tool('CA3', 'status')).body.auth_state.successes).toEqual([]);
  });

  it("a DID confirmation commits only while the call claims nobody or the device's customer", async () => {
    await withVictim();
    await ring(t, 'CA5', '+15550001234', { identify: false });
    const did = (await t.tool('CA5', 'did_issue')).body.did as string;
    const session = await t.services.did.pendingByDid(did);
    await t.tool('CA5', 'identify', { account_ref: 'MAL-0001' });
    // The app's checks ran against the call as it was; the commit itself reads the claim again.
    expect(await t.services.did.confirm(session!.id, 'ada-phone', 'cust_ada', t.clock.now())).toBeUndefined();
    expect(await t.services.did.confirm(session!.id, 'mallory-phone', 'cust_mallory', t.clock.now())).toMatchObject({ status: 'confirmed' });
  });

  it('a success found for a claim that moved meanwhile is discarded, not recorded', async () => {
    await withVictim();
    await ring(t, 'CA4', MALLORY_PHONE, { identify: false });
    await t.tool('CA4', 'identify', { account_ref: 'MAL-0001' });
    // The store refuses a success for a customer the call does not claim (the race's last line).
    expect(await t.services.calls.recordSuccess('CA4', 'otp', 'cust_ada', t.clock.now())).toBeUndefined();
    expect(await t.services.calls.recordSuccess('CA4', 'otp', 'cust_mallory', t.clock.now())).toMatchObject({ successes: { otp: expect.any(Number) } });
  });
});

describe('guess budgets per customer, across calls', () => {
  it('a lock ends by itself when its window does, and the unlock is an event', async () => {
    await withVictim([policyWith({ 'knowledge: {max_failures: 10,': 'knowledge: {max_failures: 3,' })]);
    for (let i = 0; i < 3; i++) {
      await ring(t, `CW${i}`, `+1555400000${i}`, { identify: false });
      await t.tool(`CW${i}`, 'identify', { account_ref: ADA_REF });
      await t.tool(`CW${i}`, 'kba_question', { level: 'advanced' });
      expect((await t.tool(`CW${i}`, 'kba_verify', { question_id: 'q_deposit', answer: 'nope' })).body.reason).toBe('wrong_answer');
    }
    await ring(t, 'CW9', '+15554000009', { identify: false });
    await t.tool('CW9', 'identify', { account_ref: ADA_REF });
    expect((await t.tool('CW9', 'kba_question', { level: 'advanced' })).body.reason).toBe('locked');
    t.clock.advance(3_600_000);
    const asked = await t.tool('CW9', 'kba_question', { level: 'advanced' });
    expect(asked.body.success).toBe(true);
    expect((await t.tool('CW9', 'kba_verify', { question_id: 'q_deposit', answer: ADA_KBA })).body.success).toBe(true);
    const types = t.sqlite.prepare("select type from events where type like 'budget_%' order by id").all() as { type: string }[];
    expect(types.map((r) => r.type)).toEqual(['budget_locked', 'budget_unlocked']);
  });

  it('the consecutive cap holds across windows: past it each guess locks again for lock_seconds, a success resets it', async () => {
    const seed = await withVictim([
      policyWith({ 'code:      {max_failures: 10, window_seconds: 3600, max_consecutive: 100, lock_seconds: 86400}': 'code: {max_failures: 2, window_seconds: 60, max_consecutive: 4, lock_seconds: 86400}' }),
    ]);
    const guess = async (code = '000000') => (await t.tool(await adaCall(), 'otp_verify', { channel: 'app', code })).body.reason as string;
    const reasons: string[] = [];
    for (let round = 0; round < 3; round++) {
      reasons.push(await guess(), await guess(), await guess());
      t.clock.advance(61_000);
    }
    // Two per window until four in a row: then a day's lock, whatever the window says.
    expect(reasons).toEqual(['wrong_code', 'wrong_code', 'locked', 'wrong_code', 'wrong_code', 'locked', 'locked', 'locked', 'locked']);
    // After the long lock one guess gets through, and past the cap it locks again at once.
    t.clock.advance(86_400_000);
    expect([await guess(), await guess()]).toEqual(['wrong_code', 'locked']);
    const row = () => t.sqlite.prepare("select consecutive, locked_until from guess_budgets where customer_id = 'cust_ada' and family = 'code'").get() as { consecutive: number; locked_until: number };
    expect(row().consecutive).toBe(5);
    // Only a success resets the count (and lifts the lock).
    t.clock.advance(86_400_000);
    expect(await guess(await generate({ secret: seed, epoch: Math.floor(t.clock.now() / 1000) }))).toBe('ok');
    expect(row()).toEqual({ consecutive: 0, locked_until: 0 });
  });

  it("malicious lockout: burning the victim's knowledge and code budgets leaves her enrolled device's DID", async () => {
    await withVictim([
      policyWith({
        'knowledge: {max_failures: 10,': 'knowledge: {max_failures: 1,',
        'code:      {max_failures: 10,': 'code:      {max_failures: 1,',
      }),
    ]);
    const adasPhone = await enrolDevice(t, 'cust_ada', 'ada-phone');
    await ring(t, 'CM1', '+15556660000', { identify: false });
    await t.tool('CM1', 'identify', { account_ref: ADA_REF });
    await t.tool('CM1', 'kba_question', { level: 'advanced' });
    await t.tool('CM1', 'kba_verify', { question_id: 'q_deposit', answer: 'wrong' });
    const burned = await t.tool('CM1', 'otp_verify', { channel: 'app', code: '000000' });
    expect(burned.body.reason).toBe('wrong_code');
    // Ada herself calls: codes and questions are locked, her device is not.
    await ring(t, 'CM2');
    const status = await t.tool('CM2', 'status');
    expect(status.body.next_required_step).toBe('did_issue');
    expect((await t.tool('CM2', 'otp_send', { channel: 'sms' })).body.reason).toBe('locked');
    const did = (await t.tool('CM2', 'did_issue')).body.did as string;
    expect((await adasPhone.confirm(did)).status).toBe(200);
    expect((await t.tool('CM2', 'status')).body).toMatchObject({ privileged_allowed: true, auth_state: { successes: ['did'] } });
  });
});

describe('finding 5, the phone-app routes: nothing tells which device ids exist', () => {
  it('a right DID from an unknown device is answered like one from a known device, and its confirmation like a bad nonce', async () => {
    await withVictim();
    const mallorysPhone = await enrolDevice(t, 'cust_mallory', 'mallory-phone');
    await ring(t, 'CD1', '+15550004444', { identify: false });
    const did = (await t.tool('CD1', 'did_issue')).body.did as string;
    const known = await mallorysPhone.challenge(did);
    const unknown = await t.appPost('/challenge', { device_id: 'guessed-phone', did });
    expect(unknown.status).toBe(known.status);
    expect(Object.keys(unknown.body).sort()).toEqual(Object.keys(known.body).sort());
    expect(unknown.body.expires_at).toBe(known.body.expires_at);
    // A DER signature gets the same 400 whether the device exists or not.
    const der = `MEUCIQ${'A'.repeat(90)}`;
    const derKnown = await t.appPost('/confirm', { session_id: known.body.session_id, device_id: 'mallory-phone', nonce: known.body.nonce, signature: der });
    const derUnknown = await t.appPost('/confirm', { session_id: known.body.session_id, device_id: 'guessed-phone', nonce: unknown.body.nonce, signature: der });
    expect([derUnknown.status, derUnknown.body.reason]).toEqual([derKnown.status, derKnown.body.reason]);
    expect(derKnown.body.reason).toBe('signature_format');
    const fakeNonce = 'A'.repeat(24);
    const signature = 'A'.repeat(86);
    const a = await t.appPost('/confirm', { session_id: known.body.session_id, device_id: 'mallory-phone', nonce: fakeNonce, signature });
    const b = await t.appPost('/confirm', { session_id: known.body.session_id, device_id: 'guessed-phone', nonce: unknown.body.nonce, signature });
    expect([b.status, b.body]).toEqual([a.status, a.body]);
    expect(a).toMatchObject({ status: 409, body: { reason: 'nonce_invalid' } });
  });
});

describe('what spends a guess, and what a lock refuses', () => {
  it('an answer to a question never asked takes no guess', async () => {
    await withVictim();
    await ring(t, 'CG1');
    for (let i = 0; i < 20; i++) expect((await t.tool('CG1', 'kba_verify', { question_id: 'q_deposit', answer: 'x' })).body.reason).toBe('question_not_asked');
    expect(t.sqlite.prepare("select count(*) n from guess_budgets where family = 'knowledge'").get()).toEqual({ n: 0 });
  });

  it('did_issue is refused while the customer\'s did family is locked (no number is read out for nothing)', async () => {
    await withVictim([policyWith({ 'did:       {max_failures: 10,': 'did:       {max_failures: 1,' })]);
    const adasPhone = await enrolDevice(t, 'cust_ada', 'ada-phone');
    expect((await adasPhone.challenge('000000')).status).toBe(404);
    await ring(t, 'CG2');
    expect((await t.tool('CG2', 'did_issue')).body).toMatchObject({ success: false, reason: 'locked' });
  });

  it('withheld numbers share no call cap: "anonymous" is no caller ID', async () => {
    await withVictim([policyWith({ 'calls_per_caller_id: {max: 10,': 'calls_per_caller_id: {max: 2,' })]);
    for (let i = 0; i < 4; i++) {
      const res = await t.initiation({ call_sid: `CH${i}`, caller_id: 'anonymous', agent_id: 'agent_1', called_number: '+18005550100' });
      expect(res.body.dynamic_variables.auth_next_step).toBe('identify');
    }
  });
});

describe('the IVR claims through the same identify step', () => {
  it('an unknown accountRef is a failed check on the call and spends the caller ID probe budget', async () => {
    await withVictim([policyWith({ 'identify_failures_per_caller_id: {max: 10,': 'identify_failures_per_caller_id: {max: 2,' })]);
    const create = (callId: string, accountRef: string) =>
      t.ivr('POST', '/sessions', { provider: 'genesys', callId, dnis: '+18005550100', ani: '+15550007777', accountRef });
    expect(await create('G1', 'ZZ-1')).toMatchObject({ status: 404, body: { reason: 'unknown_account' } });
    expect(t.eventTypes('genesys:G1')).toContain('factor_failed');
    expect(await create('G2', 'ZZ-2')).toMatchObject({ status: 404, body: { reason: 'unknown_account' } });
    // The number's budget is spent: even the right reference is refused, and the call goes to a person.
    expect(await create('G3', ADA_REF)).toMatchObject({ status: 429, body: { reason: 'rate_limited' } });
    expect((await create('G4', ADA_REF)).status).toBe(429);
    // From another number the right reference claims the call as before.
    const ok = await t.ivr('POST', '/sessions', { provider: 'genesys', callId: 'G5', ani: '+15550008888', accountRef: ADA_REF });
    expect(ok.status).toBe(201);
  });
});

describe('finding 4: raising your own risk never lowers the bar', () => {
  it('screen clear + one KBA + a deliberate wrong-code burst: transfer_funds stays refused', async () => {
    await withVictim();
    await ring(t, 'CR1');
    await t.services.calls.applyScreen('CR1', { screen_clear: true }, t.clock.now());
    await t.tool('CR1', 'kba_question', { level: 'advanced' });
    expect((await t.tool('CR1', 'kba_verify', { question_id: 'q_deposit', answer: ADA_KBA })).body.success).toBe(true);
    const before = await t.post('transfer_funds', 'CR1', { to_account: 'savings', amount: 25 });
    expect(before.status).toBe(403);
    for (let i = 0; i < 3; i++) await t.tool('CR1', 'otp_verify', { channel: 'app', code: '000000' });
    const status = await t.tool('CR1', 'status');
    expect(status.body.auth_state).toMatchObject({ risk_tier: 'medium', risk_signals: { wrong_code_burst: true } });
    const after = await t.post('transfer_funds', 'CR1', { to_account: 'savings', amount: 25 });
    expect(after.status).toBe(403);
    expect(after.body.reason).toBe('step_up_required');
  });
});

describe('limits across calls', () => {
  it('calls per caller ID: past the cap a call goes straight to a human, nothing sent', async () => {
    await withVictim([policyWith({ 'calls_per_caller_id: {max: 10,': 'calls_per_caller_id: {max: 3,' })]);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await ring(t, `CL${i}`, ADA_PHONE, { identify: false })).body.dynamic_variables);
    expect(answers.map((v) => v.auth_next_step)).toEqual(['identify', 'identify', 'identify', 'transfer_to_human', 'transfer_to_human']);
    expect((await t.tool('CL4', 'otp_send', { channel: 'sms' })).body.reason).toBe('blocked');
    expect(t.eventTypes('CL3')).toContain('call_limited');
    // A tool-created call without a caller ID is not capped by it (a web session).
    expect((await t.tool('CLweb', 'status')).body.next_required_step).toBe('identify');
  });

  it('the service-wide SMS ceiling stops sends to every number and trips one breaker event', async () => {
    await withVictim([policyWith({ 'sms_per_hour: 1000': 'sms_per_hour: 2' })]);
    const sent = [];
    for (const [i, ref] of [ADA_REF, 'MAL-0001', ADA_REF].entries()) {
      await ring(t, `CS${i}`, `+1555700000${i}`, { identify: false });
      await t.tool(`CS${i}`, 'identify', { account_ref: ref });
      sent.push((await t.tool(`CS${i}`, 'otp_send', { channel: 'sms' })).body.reason);
    }
    await ring(t, 'CS9', '+15557000009', { identify: false });
    await t.tool('CS9', 'identify', { account_ref: 'MAL-0001' });
    const refused = (await t.tool('CS9', 'otp_send', { channel: 'sms' })).body;
    sent.push(refused.reason);
    expect(sent).toEqual(['ok', 'ok', 'rate_limited', 'rate_limited']);
    // A refused send is never answered with another send; afterwards no SMS is offered either,
    // only Mallory's e-mail, which the SMS ceiling does not cover.
    expect(refused.next_required_step).not.toBe('otp_send');
    expect((await t.tool('CS9', 'status')).body).toMatchObject({ next_required_step: 'otp_send', next_step_args: { channel: 'email' } });
    const trips = t.sqlite.prepare("select count(*) n from events where type = 'sms_breaker_tripped'").get() as { n: number };
    expect(trips.n).toBe(1);
    // E-mail is not SMS: the breaker does not stop it.
    expect((await t.tool('CS9', 'otp_send', { channel: 'email' })).body.reason).toBe('ok');
  });

  it('identify probes: a caller ID past its budget is refused and handed off; the service budget trips an event', async () => {
    await withVictim([
      policyWith({
        'identify_failures_per_caller_id: {max: 10,': 'identify_failures_per_caller_id: {max: 3,',
        'identify_failures_per_hour: 500': 'identify_failures_per_hour: 5',
      }),
    ]);
    const reasons: string[] = [];
    for (let i = 0; i < 2; i++) {
      await ring(t, `CP${i}`, '+15558880000', { identify: false });
      for (let j = 0; j < 2; j++) reasons.push((await t.tool(`CP${i}`, 'identify', { account_ref: `ZZ${i}${j}` })).body.reason);
    }
    expect(reasons).toEqual(['unknown_account', 'unknown_account', 'unknown_account', 'rate_limited']);
    expect((await t.tool('CP1', 'status')).body).toMatchObject({ next_required_step: 'transfer_to_human', auth_state: { status: 'handed_off' } });
    // From other numbers the service-wide budget runs out: an event, then a wrong ref ends automation.
    for (let i = 0; i < 3; i++) {
      await ring(t, `CQ${i}`, `+1555889000${i}`, { identify: false });
      reasons.push((await t.tool(`CQ${i}`, 'identify', { account_ref: 'ZZ999' })).body.next_required_step);
    }
    expect(reasons.slice(4)).toEqual(['identify', 'identify', 'transfer_to_human']);
    const trips = t.sqlite.prepare("select count(*) n from events where type = 'probe_breaker_tripped'").get() as { n: number };
    expect(trips.n).toBe(1);
    // A right reference still works while the breaker is open.
    await ring(t, 'CQ9', '+15558899999', { identify: false });
    expect((await t.tool('CQ9', 'identify', { account_ref: ADA_REF })).body.success).toBe(true);
  });
});
