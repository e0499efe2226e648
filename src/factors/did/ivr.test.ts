import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepExpired } from './sessions.js';
import { cryptoRandom } from '../../crypto/random.js';
import { enrolAda, enrolDevice, makeTestApp, ring, SECRETS, unlimited, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp({ rateLimiter: unlimited });
  await enrolAda(t);
});
afterEach(() => t.close());

const create = (callId = 'int-1', extra: Record<string, unknown> = {}) =>
  t.ivr('POST', '/sessions', { provider: 'genesys', callId, dnis: '+18005550100', ani: '+14155550142', ...extra });

describe('IVR REST sessions', () => {
  it('creates a pending session bound to the call, with a 6-digit DID and spoken prompts', async () => {
    const res = await create();
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'pending', ttlSeconds: 60, maxRetries: 3, provider: 'genesys', callId: 'int-1', attempt: 1 });
    expect(res.body.did).toMatch(/^\d{6}$/);
    const digits = res.body.did.split('').join(', ');
    expect(res.body.prompts.speak).toContain(digits);
    expect(res.body.prompts.loop).toContain(digits);
    expect(new Date(res.body.expiresAt).getTime()).toBe(t.clock.now() + 60_000);
    expect(t.eventTypes('genesys:int-1')).toEqual(['call_created', 'session_created', 'did_issued']);
  });

  it('speaks another locale when asked', async () => {
    const res = await create('int-es', { locale: 'es-MX' });
    expect(res.body.prompts.speak).toMatch(/^Su número de verificación es/);
  });

  it('is idempotent under 50 concurrent identical creates: one session, the same answer', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => create('int-race')));
    expect(new Set(answers.map((a) => a.body.sessionId)).size).toBe(1);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(49);
    const n = t.sqlite.prepare("select count(*) n from did_sessions where call_ref = 'int-race'").get() as { n: number };
    expect(n.n).toBe(1);
    expect(t.eventTypes('genesys:int-race').filter((e) => e === 'session_created')).toHaveLength(1);
  });

  it('gives every pending session its own DID', async () => {
    const dids = await Promise.all(Array.from({ length: 40 }, (_, i) => create(`int-u${i}`).then((r) => r.body.did)));
    expect(new Set(dids).size).toBe(40);
  });

  it('draws again when a new DID collides with a pending one', async () => {
    // The first two DID draws (6 digits take 12 random bytes) both come out as 123456.
    let fixed = 2;
    const random = { bytes: (n: number) => (n === 12 && fixed-- > 0 ? Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) : cryptoRandom.bytes(n)) };
    const r = await makeTestApp({ rateLimiter: unlimited, random });
    const send = (callId: string) => r.ivr('POST', '/sessions', { provider: 'genesys', callId });
    const a = await send('int-c1');
    const b = await send('int-c2');
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.did).toBe('123456');
    expect(b.body.did).toMatch(/^\d{6}$/);
    expect(b.body.did).not.toBe('123456');
    r.close();
  });

  it('times a session out on time with a fake clock, even if nobody polls (sweeper)', async () => {
    const { body } = await create();
    t.clock.advance(59_999);
    expect(await sweepExpired(t.services)).toBe(0);
    t.clock.advance(1);
    expect(await sweepExpired(t.services)).toBe(1);
    expect((await t.ivr('GET', `/sessions/${body.sessionId}`)).body.status).toBe('timeout');
    expect(t.eventTypes('genesys:int-1').filter((e) => e === 'timeout')).toHaveLength(1);
  });

  it('reports timeout for an expired session nobody swept, once', async () => {
    const { body } = await create();
    t.clock.advance(61_000);
    const reads = await Promise.all(Array.from({ length: 5 }, () => t.ivr('GET', `/sessions/${body.sessionId}`)));
    for (const r of reads) expect(r.body).toMatchObject({ status: 'timeout' });
    expect(reads[0]!.body.did).toBeUndefined();
    expect(t.eventTypes('genesys:int-1').filter((e) => e === 'timeout')).toHaveLength(1);
  });

  it('reissues after a timeout as a new linked session, bounded by max_retries', async () => {
    let previous = (await create()).body;
    for (let attempt = 2; attempt <= 4; attempt++) {
      t.clock.advance(61_000);
      const next = await create();
      expect(next.status).toBe(201);
      expect(next.body).toMatchObject({ attempt, previousSessionId: previous.sessionId });
      previous = next.body;
    }
    t.clock.advance(61_000);
    const refused = await create();
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ success: false, reason: 'max_retries' });
  });

  it('cancels once; cancelling twice is harmless; a confirmed session stays confirmed', async () => {
    const { body } = await create();
    const c1 = await t.ivr('POST', `/sessions/${body.sessionId}/cancel`);
    const c2 = await t.ivr('POST', `/sessions/${body.sessionId}/cancel`);
    expect([c1.body.status, c2.body.status]).toEqual(['canceled', 'canceled']);
    expect(t.eventTypes('genesys:int-1').filter((e) => e === 'canceled')).toHaveLength(1);

    const device = await enrolDevice(t, 'cust_ada', 'ada-phone');
    const s2 = (await create('int-2')).body;
    expect((await device.confirm(s2.did)).body).toEqual({ success: true, status: 'confirmed' });
    expect((await t.ivr('POST', `/sessions/${s2.sessionId}/cancel`)).body.status).toBe('confirmed');
  });

  it('keeps every terminal state whatever arrives later', async () => {
    const device = await enrolDevice(t, 'cust_ada', 'ada-phone');
    const confirmed = (await create('int-c')).body;
    const canceled = (await create('int-x')).body;
    const timedOut = (await create('int-t')).body;
    await device.confirm(confirmed.did);
    await t.ivr('POST', `/sessions/${canceled.sessionId}/cancel`);
    const canceledChallenge = await device.challenge(canceled.did);
    expect(canceledChallenge.body.reason).toBe('wrong_did');
    t.clock.advance(61_000);
    await sweepExpired(t.services);

    // Everything that could try to move them: confirm, cancel, expire, sweep, reads, long-polls.
    expect((await device.confirm(confirmed.did)).status).toBe(404); // the DID no longer names a pending session
    expect((await device.confirm(timedOut.did)).status).toBe(404);
    for (const id of [confirmed.sessionId, canceled.sessionId, timedOut.sessionId]) {
      await t.ivr('POST', `/sessions/${id}/cancel`);
      await t.services.did.expire(id, t.clock.now() + 10 ** 9);
      await t.services.did.confirm(id, 'ada-phone', 'cust_ada', t.clock.now());
      await t.ivr('GET', `/sessions/${id}?wait=1`);
    }
    await sweepExpired(t.services);
    const status = async (id: string) => (await t.ivr('GET', `/sessions/${id}`)).body.status;
    expect(await status(confirmed.sessionId)).toBe('confirmed');
    expect(await status(canceled.sessionId)).toBe('canceled');
    expect(await status(timedOut.sessionId)).toBe('timeout');
  });

  it('names bad fields, refuses the wrong secret, 404s an unknown session', async () => {
    const bad = await t.ivr('POST', '/sessions', { provider: 'avaya', callId: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['callId', 'provider']);
    const redirectNotTwilio = await create('x', { redirectUrl: 'https://example.com/next' });
    expect(redirectNotTwilio.body.errors[0].field).toBe('redirectUrl');
    const { body } = await create();
    for (const wait of ['abc', '21', '-1', '2.5']) {
      const r = await t.ivr('GET', `/sessions/${body.sessionId}?wait=${wait}`);
      expect(r.status).toBe(400);
      expect(r.body.errors[0].field).toBe('wait');
    }
    expect((await t.ivr('GET', '/sessions/did_nope')).status).toBe(404);
    expect((await t.send('POST', '/ivr/sessions', { provider: 'generic', callId: 'a' }, SECRETS.tool)).status).toBe(401);
  });
});

describe('long-poll', () => {
  it('returns as soon as the confirmation commits, well before its timeout', async () => {
    const device = await enrolDevice(t, 'cust_ada', 'ada-phone');
    const { body } = await create();
    const started = performance.now();
    const waiting = t.ivr('GET', `/sessions/${body.sessionId}?wait=10`);
    await new Promise((r) => setTimeout(r, 30));
    expect(t.services.waker.waiting()).toBe(1);
    await device.confirm(body.did);
    const answer = await waiting;
    expect(answer.body.status).toBe('confirmed');
    expect(performance.now() - started).toBeLessThan(5_000); // woken, not timed out after 10 s
    expect(t.services.waker.waiting()).toBe(0);
  });

  it('leaves no waiter behind when the client goes away', async () => {
    const { body } = await create();
    const controller = new AbortController();
    const waiting = t.app.request(`/ivr/sessions/${body.sessionId}?wait=15`, {
      headers: { authorization: `Bearer ${SECRETS.ivr}` },
      signal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(t.services.waker.waiting()).toBe(1);
    controller.abort();
    await Promise.resolve(waiting).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 10));
    expect(t.services.waker.waiting()).toBe(0);
  });

  it('answers a pending session after wait seconds', async () => {
    const { body } = await create();
    const started = performance.now();
    const res = await t.ivr('GET', `/sessions/${body.sessionId}?wait=1`);
    expect(res.body.status).toBe('pending');
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });
});

describe('rate limits', () => {
  it('limits session creation per call and polls per session', async () => {
    const limited = await makeTestApp();
    const mk = () => limited.ivr('POST', '/sessions', { provider: 'nice', callId: 'loop-1' });
    const answers = [];
    for (let i = 0; i < 11; i++) answers.push(await mk());
    expect(answers.slice(0, 10).every((a) => a.status < 300)).toBe(true);
    expect(answers[10]).toMatchObject({ status: 429, body: { success: false, reason: 'rate_limited' } });
    const id = answers[0]!.body.sessionId;
    let last = 0;
    for (let i = 0; i < 121; i++) last = (await limited.ivr('GET', `/sessions/${id}`)).status;
    expect(last).toBe(429);
    limited.clock.advance(60_000);
    expect((await limited.ivr('GET', `/sessions/${id}`)).status).toBe(200);
    limited.close();
  });
});

describe('IVR sessions with a claimed account', () => {
  it('only the claimed customer can confirm, and a confirmed session says who', async () => {
    const ada = await enrolDevice(t, 'cust_ada', 'ada-phone');
    await t.admin('POST', '/customers', { customer_id: 'cust_bob', account_refs: ['BOB-1'] });
    const bob = await enrolDevice(t, 'cust_bob', 'bob-phone');
    const { body } = await create('int-claim', { accountRef: 'ac 1001-2002' });
    expect((await bob.confirm(body.did)).body.reason).toBe('device_not_allowed');
    await ada.confirm(body.did);
    expect((await t.ivr('GET', `/sessions/${body.sessionId}`)).body).toMatchObject({ status: 'confirmed', customerId: 'cust_ada' });
    expect((await create('int-x', { accountRef: 'NOPE-1' })).body).toMatchObject({ reason: 'unknown_account', field: 'accountRef' });
  });

  it('a correct DID never spends the wrong-DID budget', async () => {
    const limited = await makeTestApp();
    await enrolAda(limited);
    const ada = await enrolDevice(limited, 'cust_ada', 'ada-phone');
    const { body } = await limited.ivr('POST', '/sessions', { provider: 'generic', callId: 'g-1' });
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await ada.challenge(body.did)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    limited.close();
  });

  it('a handoff cancels the call’s pending DID session', async () => {
    await enrolDevice(t, 'cust_ada', 'ada-phone');
    await ring(t, 'CA-h');
    const issued = await t.tool('CA-h', 'did_issue');
    expect(issued.body.success).toBe(true);
    await t.tool('CA-h', 'handoff');
    expect((await t.services.did.latestForCall('CA-h'))!.status).toBe('canceled');
  });
});

describe('a call authenticated through the IVR REST routes', () => {
  it('binds the first conversation that uses a post-auth tool and refuses any other on every tool', async () => {
    const device = await enrolDevice(t, 'cust_ada', 'ada-phone');
    const { body } = await create('int-bind', { accountRef: 'AC-1001-2002' });
    expect((await device.confirm(body.did)).body).toEqual({ success: true, status: 'confirmed' });
    const callId = 'genesys:int-bind';
    const as = (conversation_id: string) => (tool: string, args: Record<string, unknown> = {}) =>
      t.send('POST', `/tools/post/${tool}`, { call_id: callId, conversation_id, ...args }, SECRETS.tool);
    const first = as('conv-first');
    const other = as('conv-other');

    expect((await first('account_summary')).status).toBe(200);
    const args: Record<string, Record<string, unknown>> = {
      account_summary: {},
      transfer_funds: { to_account: 'savings', amount: 1 },
      update_card_limit: { new_limit: 100 },
    };
    for (const tool of Object.keys(args)) {
      const res = await other(tool, args[tool]);
      expect(res.status, tool).toBe(403);
      expect(res.body, tool).toEqual({ success: false, reason: 'conversation_mismatch', next_required_step: 'transfer_to_human' });
    }
    expect((await first('account_summary')).status).toBe(200);
    expect(t.eventTypes(callId).filter((e) => e === 'conversation_mismatch')).toHaveLength(3);
  });
});
