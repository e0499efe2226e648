import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { confirmMessage } from '../../crypto/device-signature.js';
import { createTwilioCallRedirector } from '../../providers/twilio/calls.js';
import { startFakeTwilio, type FakeTwilio } from '../../../test/fakes/twilio.js';
import { ADA, enrolAda, enrolDevice, makeTestApp, ring, testPolicies, unlimited, type TestApp } from '../../../test/helpers/app.js';

let twilio: FakeTwilio;
beforeAll(async () => {
  twilio = await startFakeTwilio();
});
afterAll(() => twilio.close());

let t: TestApp;
let ada: Awaited<ReturnType<typeof enrolDevice>>;
let bob: Awaited<ReturnType<typeof enrolDevice>>;

async function setup(policies = testPolicies()) {
  t = await makeTestApp({
    policies,
    rateLimiter: unlimited,
    twilio: {
      authToken: twilio.authToken,
      redirector: createTwilioCallRedirector({
        accountSid: twilio.accountSid,
        authToken: twilio.authToken,
        apiBaseUrl: twilio.url,
        sleep: async () => {},
      }),
    },
  });
  await enrolAda(t);
  await t.admin('POST', '/customers', { customer_id: 'cust_bob', phones: ['+15551230000'], account_refs: ['BOB-777'] });
  ada = await enrolDevice(t, 'cust_ada', 'ada-phone');
  bob = await enrolDevice(t, 'cust_bob', 'bob-phone');
}
beforeEach(() => setup());
afterEach(() => t.close());

/** base64url P1363 r‖s → base64url DER SEQUENCE { INTEGER r, INTEGER s }, as a keystore returns it. */
function toDer(p1363: string): string {
  const raw = Buffer.from(p1363, 'base64url');
  const int = (b: Buffer) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b[i]! & 0x80 ? Buffer.concat([Buffer.from([0]), b.subarray(i)]) : b.subarray(i);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const seq = Buffer.concat([int(raw.subarray(0, 32)), int(raw.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, seq.length]), seq]).toString('base64url');
}

const sid = (n: number) => `CA${n.toString(16).padStart(32, '0')}`;
const twilioSession = (callSid: string) =>
  t.ivr('POST', '/sessions', { provider: 'twilio', callId: callSid, redirectUrl: 'https://ivr.example.com/verified' });

describe('did_issue / did_wait on the orchestrator', () => {
  it('a did_wait that answers pending says to wait again, though the policy would offer an SMS code first', async () => {
    await ring(t, 'CW1');
    await t.tool('CW1', 'did_issue');
    const waited = await t.tool('CW1', 'did_wait', { wait_seconds: 1 });
    expect(waited.body).toMatchObject({ success: false, reason: 'pending', next_required_step: 'did_wait' });
    // Once the DID has expired, the next step is the policy's again.
    t.clock.advance(61_000);
    expect((await t.tool('CW1', 'did_wait', { wait_seconds: 1 })).body).toMatchObject({ reason: 'expired', next_required_step: 'otp_send' });
  });

  it('an identified caller confirms in the app: the factor is recorded, the call authenticated', async () => {
    await ring(t, 'CA1');
    const issued = await t.tool('CA1', 'did_issue');
    expect(issued.body).toMatchObject({ success: true, next_required_step: 'did_wait', ttl_seconds: 60 });
    expect(issued.body.prompts.speak).toContain(issued.body.did.split('').join(', '));
    const waiting = t.tool('CA1', 'did_wait', { wait_seconds: 10 });
    await new Promise((r) => setTimeout(r, 20));
    expect((await ada.confirm(issued.body.did)).body).toEqual({ success: true, status: 'confirmed' });
    const done = await waiting;
    expect(done.body).toMatchObject({
      success: true,
      did_status: 'confirmed',
      privileged_allowed: true,
      next_required_step: 'none',
      auth_state: { status: 'authenticated', successes: ['did'] },
    });
    expect((await t.post('account_summary', 'CA1')).status).toBe(200);
  });

  it('an unidentified caller is identified by the confirming device', async () => {
    await ring(t, 'CA2', '+19995550000');
    const issued = await t.tool('CA2', 'did_issue');
    await ada.confirm(issued.body.did);
    const status = await t.tool('CA2', 'status');
    expect(status.body.auth_state).toMatchObject({ identified: true, status: 'authenticated' });
    const trail = await t.admin('GET', '/calls/CA2');
    expect(trail.body.auth_state).toMatchObject({ customer_id: 'cust_ada', identified_by: 'device' });
    expect(t.eventTypes('CA2')).toEqual(expect.arrayContaining(['session_created', 'did_issued', 'identified', 'factor_passed', 'confirmed']));
  });

  it('says not_enrolled for an identified customer without a device, and offers the next factor', async () => {
    await t.admin('POST', '/customers', { customer_id: 'cust_cy', phones: ['+15552220000'], account_refs: ['CY-1'] });
    await ring(t, 'CB1', '+15552220000');
    await t.tool('CB1', 'identify', { account_ref: 'CY-1' });
    const res = await t.tool('CB1', 'did_issue');
    expect(res.body.reason).toBe('not_enrolled');
    t.close();
    await setup(testPolicies([`id: default\nversion: 5\ntiers:\n  low: {require: 1, from: [did, otp]}\n  medium: {require: 2, from: [did, otp]}\n  high: {handoff: true}\n`]));
    await ring(t, 'CA3');
    expect((await t.tool('CA3', 'status')).body.next_required_step).toBe('did_issue');
    await t.admin('POST', '/customers', { customer_id: 'cust_eve', phones: ['+15550001111'], account_refs: ['EVE-1'] });
    await ring(t, 'CE1', '+15550001111');
    await t.tool('CE1', 'identify', { account_ref: 'EVE-1' });
    expect((await t.tool('CE1', 'status')).body.next_required_step).toBe('otp_send');
  });

  it('reports expiry and lets the agent reissue; did_cancel ends a pending session', async () => {
    await ring(t, 'CA4');
    await t.tool('CA4', 'did_issue');
    t.clock.advance(61_000);
    const waited = await t.tool('CA4', 'did_wait', { wait_seconds: 1 });
    // The default policy prefers OTP to a second DID.
    expect(waited.body).toMatchObject({ success: false, reason: 'expired', next_required_step: 'otp_send' });
    const again = await t.tool('CA4', 'did_issue');
    expect(again.body).toMatchObject({ success: true, attempt: 2 });
    expect((await t.tool('CA4', 'did_cancel')).body).toMatchObject({ success: true, did_status: 'canceled' });
    expect((await t.tool('CA4', 'did_cancel')).body).toMatchObject({ success: false, reason: 'not_pending' });
  });
});

describe('did_wait holds only when it would wait', () => {
  it("answers another conversation's request and a closed call at once, parking nothing", async () => {
    await ring(t, 'CA7');
    await t.tool('CA7', 'did_issue');
    const foreign = await t.send('POST', '/tools/auth_orchestrator', { call_id: 'CA7', conversation_id: 'someone-else', action: 'did_wait', wait_seconds: 20 }, 'test-tool-secret');
    expect(foreign.body).toMatchObject({ success: false, reason: 'conversation_mismatch' });
    expect(t.services.waker.waiting()).toBe(0);

    await t.tool('CA7', 'handoff');
    const closed = await t.tool('CA7', 'did_wait', { wait_seconds: 20 });
    expect(closed.body).toMatchObject({ success: false, reason: 'blocked', next_required_step: 'transfer_to_human' });
    expect(t.services.waker.waiting()).toBe(0);
  });

  it('is woken by a cancel and answers the state after the wait', async () => {
    await ring(t, 'CA8');
    await t.tool('CA8', 'did_issue');
    const waiting = t.tool('CA8', 'did_wait', { wait_seconds: 10 });
    for (let i = 0; i < 100 && t.services.waker.waiting() === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(t.services.waker.waiting()).toBe(1);
    // The agent cancels: the parked poll wakes and reads the session again.
    await t.tool('CA8', 'did_cancel');
    expect(t.services.waker.waiting()).toBe(0); // woken by the cancel itself, not by its 10 s running out
    const answer = await waiting;
    expect(answer.body).toMatchObject({ success: false, reason: 'canceled', did_status: 'canceled' });
    expect(t.services.waker.waiting()).toBe(0);
  });
});

describe('the phone app refuses, and the session stays as it was', () => {
  const pendingOf = async (callSid: string) => (await t.services.did.latestForCall(callSid))!.status;

  it('a replayed nonce', async () => {
    await ring(t, 'CA5');
    const { body } = await t.tool('CA5', 'did_issue');
    await t.tool('CA5', 'did_cancel');
    await t.tool('CA5', 'did_issue').then(() => undefined);
    const latest = await t.services.did.latestForCall('CA5');
    const ch = await ada.challenge(latest!.did);
    const signature = await ada.sign(ch.body as never, latest!.did);
    const first = await t.appPost('/confirm', { session_id: ch.body.session_id, device_id: 'ada-phone', nonce: ch.body.nonce, signature });
    expect(first.status).toBe(200);
    const replay = await t.appPost('/confirm', { session_id: ch.body.session_id, device_id: 'ada-phone', nonce: ch.body.nonce, signature });
    expect(replay.status).toBe(409);
    expect(replay.body.reason).toBe('nonce_invalid');
    // The replay changed nothing: one confirmation, the session stays confirmed.
    expect(await pendingOf('CA5')).toBe('confirmed');
    expect(t.eventTypes('CA5').filter((e) => e === 'confirmed')).toHaveLength(1);
    expect(body.did).toMatch(/^\d{6}$/);
  });

  it('a tampered signature', async () => {
    await ring(t, 'CA6');
    const { body } = await t.tool('CA6', 'did_issue');
    const ch = await ada.challenge(body.did);
    const good = await ada.sign(ch.body as never, body.did);
    const flipped = (good[0] === 'A' ? 'B' : 'A') + good.slice(1);
    const res = await t.appPost('/confirm', { session_id: ch.body.session_id, device_id: 'ada-phone', nonce: ch.body.nonce, signature: flipped });
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe('bad_signature');
    expect(await pendingOf('CA6')).toBe('pending');
  });

  it('a signature made by another device key', async () => {
    await ring(t, 'CA7', '+19995550000');
    const { body } = await t.tool('CA7', 'did_issue');
    const ch = await ada.challenge(body.did);
    const signedByBob = await bob.sign(ch.body as never, body.did);
    const res = await t.appPost('/confirm', { session_id: ch.body.session_id, device_id: 'ada-phone', nonce: ch.body.nonce, signature: signedByBob });
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe('bad_signature');
    expect(await pendingOf('CA7')).toBe('pending');
  });

  it("a device of another customer on a claimed call (counted as a failed check)", async () => {
    await ring(t, 'CA8');
    const { body } = await t.tool('CA8', 'did_issue');
    const res = await bob.confirm(body.did);
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe('device_not_allowed');
    expect(await pendingOf('CA8')).toBe('pending');
    expect(t.eventTypes('CA8')).toContain('factor_failed');
    expect((await ada.confirm(body.did)).status).toBe(200);
  });

  it("a confirmation for another call's session", async () => {
    await ring(t, 'CA9');
    await ring(t, 'CA10');
    const a = (await t.tool('CA9', 'did_issue')).body;
    const b = (await t.tool('CA10', 'did_issue')).body;
    const chA = await ada.challenge(a.did);
    const sigA = await ada.sign(chA.body as never, a.did);
    const sessionB = (await t.services.did.latestForCall('CA10'))!;
    // A's nonce and signature presented for B's session.
    const moved = await t.appPost('/confirm', { session_id: sessionB.id, device_id: 'ada-phone', nonce: chA.body.nonce, signature: sigA });
    expect(moved.status).toBe(409);
    expect(moved.body.reason).toBe('nonce_invalid');
    // B's nonce with a signature over A's binding.
    const chB = await ada.challenge(b.did);
    const wrongBinding = await ada.sign({ ...(chB.body as never as { nonce: string }), session_id: sessionB.id, call_binding: chA.body.call_binding }, b.did);
    const res = await t.appPost('/confirm', { session_id: sessionB.id, device_id: 'ada-phone', nonce: chB.body.nonce, signature: wrongBinding });
    expect(res.status).toBe(401);
    expect(await pendingOf('CA9')).toBe('pending');
    expect(await pendingOf('CA10')).toBe('pending');
  });

  it('a DER-encoded signature: 400 signature_format, and the nonce still works for the P1363 form', async () => {
    await ring(t, 'CA12');
    const { body } = await t.tool('CA12', 'did_issue');
    const ch = await ada.challenge(body.did);
    const p1363 = await ada.sign(ch.body as never, body.did);
    const confirm = (signature: string) =>
      t.appPost('/confirm', { session_id: ch.body.session_id, device_id: 'ada-phone', nonce: ch.body.nonce, signature });

    // A genuine DER signature: OpenSSL verifies it with the enrolled key.
    const jwk = (await t.services.customers.device('ada-phone'))!.publicKeyJwk as Record<string, string>;
    const message = confirmMessage({ sessionId: ch.body.session_id, callBinding: ch.body.call_binding, did: body.did, nonce: ch.body.nonce });
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    expect(nodeVerify('sha256', Buffer.from(message), { key, dsaEncoding: 'der' }, Buffer.from(toDer(p1363), 'base64url'))).toBe(true);

    const der = await confirm(toDer(p1363));
    expect(der.status).toBe(400);
    expect(der.body).toMatchObject({ success: false, reason: 'signature_format', errors: [{ field: 'signature' }] });
    expect(der.body.errors[0].message).toMatch(/DER/);
    expect(der.body.errors[0].message).toMatch(/IEEE P1363/);
    expect(der.body.errors[0].message).toContain('r‖s');
    expect(await pendingOf('CA12')).toBe('pending');
    // The same signature, re-encoded, with the same nonce.
    expect((await confirm(p1363)).body).toEqual({ success: true, status: 'confirmed' });
    expect(await pendingOf('CA12')).toBe('confirmed');
    expect(t.eventTypes('CA12').filter((e) => e === 'factor_failed')).toHaveLength(0);
  });

  it('an unknown device, a wrong DID, a malformed body', async () => {
    // One answer for both: nothing tells which device ids exist.
    const unknown = await t.appPost('/challenge', { device_id: 'nobody', did: '123456' });
    const wrong = await ada.challenge('000000');
    expect([unknown.status, unknown.body]).toEqual([404, { success: false, reason: 'wrong_did' }]);
    expect([wrong.status, wrong.body]).toEqual([unknown.status, unknown.body]);
    const bad = await t.appPost('/confirm', { session_id: 'x', device_id: 'ada-phone', nonce: '!', signature: 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['nonce', 'signature']);
  });

  it('a late confirmation is ignored by default', async () => {
    await ring(t, 'CA11');
    const { body } = await t.tool('CA11', 'did_issue');
    const ch = await ada.challenge(body.did);
    const signature = await ada.sign(ch.body as never, body.did);
    t.clock.advance(61_000);
    const late = await t.appPost('/confirm', { session_id: ch.body.session_id, device_id: 'ada-phone', nonce: ch.body.nonce, signature });
    expect(late.status).toBe(409);
    expect(await pendingOf('CA11')).toBe('timeout');
    expect(t.eventTypes('CA11')).toContain('late_confirmation');
    expect((await t.tool('CA11', 'status')).body.auth_state.successes).toEqual([]);
  });
});

describe('a REST Twilio session with redirectUrl', () => {
  it('refuses a callId that is not a Twilio CallSid, naming callId, and creates nothing', async () => {
    for (const callId of ['CA1', 'call-42', `CA${'g'.repeat(32)}`, `CA${'0'.repeat(31)}`, `XX${'0'.repeat(32)}`]) {
      const res = await twilioSession(callId);
      expect(res.status, callId).toBe(400);
      expect(res.body, callId).toMatchObject({ success: false, reason: 'invalid_request', errors: [{ field: 'callId' }] });
      expect(await t.services.calls.get(callId), callId).toBeUndefined();
    }
    expect((await twilioSession(`CA${'aB0'.repeat(10)}12`)).status).toBe(201);
    // Without a redirect the id is only a label for the IVR's own polling.
    expect((await t.ivr('POST', '/sessions', { provider: 'twilio', callId: 'call-42' })).status).toBe(201);
  });
});

describe('races and the live-call redirect', () => {
  it('50 concurrent confirmations: exactly one confirmed event and exactly one Twilio redirect', async () => {
    const callSid = sid(1);
    const session = (await twilioSession(callSid)).body;
    const before = twilio.callUpdates.length;
    // Nonces one after another (each names the DID: a guess from Ada's budget, given back when
    // right), then the 50 confirmations at once.
    const challenges = [];
    for (let i = 0; i < 50; i++) challenges.push(await ada.challenge(session.did));
    const confirms = await Promise.all(
      challenges.map(async (ch) =>
        t.appPost('/confirm', { session_id: ch.body.session_id, device_id: 'ada-phone', nonce: ch.body.nonce, signature: await ada.sign(ch.body as never, session.did) }),
      ),
    );
    await t.drain();
    expect(confirms.filter((c) => c.status === 200)).toHaveLength(1);
    expect(confirms.filter((c) => c.status === 409)).toHaveLength(49);
    expect(t.eventTypes(callSid).filter((e) => e === 'confirmed')).toHaveLength(1);
    const redirects = twilio.callUpdates.slice(before).filter((u) => u.callSid === callSid);
    expect(redirects).toEqual([expect.objectContaining({ callSid, url: 'https://ivr.example.com/verified', method: 'POST' })]);
    const events = (await t.admin('GET', `/calls/${callSid}`)).body.events;
    const success = events.filter((e: { type: string }) => e.type === 'intercept_success');
    expect(success).toHaveLength(1);
    expect(success[0].latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('retries a failing redirect with backoff and records the outcome', async () => {
    const session = (await twilioSession(sid(2))).body;
    twilio.failNext(2, 500);
    await ada.confirm(session.did);
    await t.drain();
    const events = (await t.admin('GET', `/calls/${sid(2)}`)).body.events;
    expect(events.find((e: { type: string }) => e.type === 'intercept_success')).toMatchObject({ attempts: 3 });
  });

  it('records intercept_failed when the call is gone, and the session stays confirmed', async () => {
    const session = (await twilioSession(sid(3))).body;
    twilio.endCall(sid(3));
    await ada.confirm(session.did);
    await t.drain();
    const trail = (await t.admin('GET', `/calls/${sid(3)}`)).body;
    expect(trail.events.find((e: { type: string }) => e.type === 'intercept_failed')).toMatchObject({ error: 'twilio 21220' });
    expect((await t.ivr('GET', `/sessions/${session.sessionId}`)).body.status).toBe('confirmed');
  });
});

describe('wrong-DID bursts', () => {
  it("raise wrong_code_burst on the customer's waiting call: the tier rises", async () => {
    await ring(t, 'CA20');
    await t.tool('CA20', 'did_issue');
    for (let i = 0; i < 3; i++) expect((await ada.challenge(`99999${i}`)).body.reason).toBe('wrong_did');
    const status = await t.tool('CA20', 'status');
    expect(status.body.auth_state).toMatchObject({ risk_tier: 'medium', required_successes: 2, risk_signals: { wrong_code_burst: true } });
    expect(t.eventTypes('CA20').filter((e) => e === 'wrong_did')).toHaveLength(3);
  });
});

describe('late confirmations accepted by policy', () => {
  it('count as recently verified within the window; the session stays timed out', async () => {
    t.close();
    await setup(
      testPolicies([
        `id: default\nversion: 6\nfactors:\n  did: {ttl_seconds: 60, late_confirmation: accept, late_window_seconds: 30}\ntiers:\n  low: {require: 1, from: [did, otp]}\n  medium: {require: 2, from: [did, otp]}\n  high: {handoff: true}\n`,
      ]),
    );
    await ring(t, 'CA30');
    const { body } = await t.tool('CA30', 'did_issue');
    const ch = await ada.challenge(body.did);
    const signature = await ada.sign(ch.body as never, body.did);
    t.clock.advance(75_000);
    const late = await t.appPost('/confirm', { session_id: ch.body.session_id, device_id: 'ada-phone', nonce: ch.body.nonce, signature });
    expect(late.body).toMatchObject({ success: true, status: 'timeout', late_accepted: true });
    expect((await t.tool('CA30', 'status')).body.auth_state).toMatchObject({ status: 'authenticated', successes: ['did'] });
    void ADA;
  });
});
