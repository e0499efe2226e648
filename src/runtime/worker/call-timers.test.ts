// A call's timers on the worker: stored in its CallObject, one alarm at the earliest, run through
// the app when it fires. Time is made to pass by moving the deadlines back, both D1's and the
// stored timer's, then the alarm is delivered with runDurableObjectAlarm.
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { StoredTimer } from './call-object.js';
import type { WorkerEnv } from './env.js';
import { admin, ivr, send, SECRETS } from './test-client.js';

const bindings = env as unknown as WorkerEnv;
const object = (callId: string) => bindings.CALLS.getByName(`call:${callId}`);

/** The stored timer, once the request that set it has reached the object (it is sent after the answer). */
async function storedTimer(callId: string, key: string): Promise<StoredTimer> {
  await expect.poll(() => runInDurableObject(object(callId), (_, state) => state.storage.get(key))).toBeDefined();
  return (await runInDurableObject(object(callId), (_, state) => state.storage.get<StoredTimer>(key)))!;
}

/** Its deadline has come: the timer and the alarm now. */
async function makeDue(callId: string, key: string) {
  const timer = await storedTimer(callId, key);
  await runInDurableObject(object(callId), async (_, state) => {
    await state.storage.put(key, { ...timer, dueAt: Date.now() - 1 });
  });
  return timer;
}

const eventTypes = async (callId: string) =>
  ((await admin('GET', `/calls/${callId}`)).body.events as { type: string }[]).map((e) => e.type);

describe('the DID TTL as an alarm', () => {
  it('a session nobody confirms times out by its call object\'s alarm, and its waiter is woken', async () => {
    const created = await ivr('POST', '/sessions', { provider: 'genesys', callId: 't-1', ani: '+14155550111' });
    const session = created.body as { sessionId: string };
    const callId = 'genesys:t-1';
    const key = `timer:did_ttl:${session.sessionId}`;
    const timer = await storedTimer(callId, key);
    expect(timer.dueAt).toBeGreaterThan(Date.now());
    expect(await runInDurableObject(object(callId), (_, state) => state.storage.getAlarm())).toBeLessThanOrEqual(timer.dueAt);

    const poll = ivr('GET', `/sessions/${session.sessionId}?wait=20`);
    await expect.poll(() => object(callId).waiting(`did:${session.sessionId}`)).toBe(1);
    // The TTL is over: in D1 and in the object.
    await bindings.DB.prepare('UPDATE did_sessions SET expires_at = ? WHERE id = ?').bind(Date.now() - 1, session.sessionId).run();
    await makeDue(callId, key);
    expect(await runDurableObjectAlarm(object(callId))).toBe(true);

    expect((await poll).body).toMatchObject({ sessionId: session.sessionId, status: 'timeout' });
    expect(await runInDurableObject(object(callId), (_, state) => state.storage.get(`wake:did:${session.sessionId}`))).toBeTypeOf('number');
    expect(await runInDurableObject(object(callId), (_, state) => state.storage.get(key))).toBeUndefined();
    expect((await eventTypes(callId)).filter((t) => t === 'timeout')).toHaveLength(1);
    // Re-armed for what is left: the call's screen deadline (a screen is expected here).
    const left = await runInDurableObject(object(callId), async (_, state) => [...(await state.storage.list<StoredTimer>({ prefix: 'timer:' })).values()]);
    expect(left.map((t) => t.kind)).toEqual(['screen_deadline']);
    expect(await runInDurableObject(object(callId), (_, state) => state.storage.getAlarm())).toBe(left[0]!.dueAt);
  });

  it('an alarm delivered twice (the timer still stored) changes nothing', async () => {
    const created = await ivr('POST', '/sessions', { provider: 'genesys', callId: 't-2', ani: '+14155550112' });
    const session = created.body as { sessionId: string };
    const callId = 'genesys:t-2';
    const key = `timer:did_ttl:${session.sessionId}`;
    await bindings.DB.prepare('UPDATE did_sessions SET expires_at = ? WHERE id = ?').bind(Date.now() - 1, session.sessionId).run();
    const timer = await makeDue(callId, key);
    expect(await runDurableObjectAlarm(object(callId))).toBe(true);
    const after = await eventTypes(callId);
    // At least once: the handler ran, and the same alarm comes again.
    await runInDurableObject(object(callId), (_, state) => state.storage.put(key, { ...timer, dueAt: Date.now() - 1 }));
    expect(await runDurableObjectAlarm(object(callId))).toBe(true);
    expect(await eventTypes(callId)).toEqual(after);
    expect(after.filter((t) => t === 'timeout')).toHaveLength(1);
    const row = await bindings.DB.prepare('SELECT status FROM did_sessions WHERE id = ?').bind(session.sessionId).first();
    expect(row).toEqual({ status: 'timeout' });
  });

  it('a timer whose session was confirmed or canceled first does nothing', async () => {
    const created = await ivr('POST', '/sessions', { provider: 'genesys', callId: 't-3', ani: '+14155550113' });
    const session = created.body as { sessionId: string };
    const callId = 'genesys:t-3';
    expect((await ivr('POST', `/sessions/${session.sessionId}/cancel`)).body.status).toBe('canceled');
    await bindings.DB.prepare('UPDATE did_sessions SET expires_at = ? WHERE id = ?').bind(Date.now() - 1, session.sessionId).run();
    await makeDue(callId, `timer:did_ttl:${session.sessionId}`);
    expect(await runDurableObjectAlarm(object(callId))).toBe(true);
    expect((await ivr('GET', `/sessions/${session.sessionId}`)).body.status).toBe('canceled');
    expect(await eventTypes(callId)).not.toContain('timeout');
  });
});

describe('the screen deadline as an alarm', () => {
  it('fires screen_unavailable on a call nobody asks about, decides at once, and only once', async () => {
    const callId = 'CA-screen-1';
    const started = await send('POST', '/elevenlabs/initiation', SECRETS.tool, { call_sid: callId, caller_id: '+14155550114', agent_id: 'agent_1', called_number: '+18005550100' });
    expect(started.status).toBe(200);
    const key = `timer:screen_deadline:${callId}`;
    const timer = await storedTimer(callId, key);
    const created = await bindings.DB.prepare('SELECT created_at FROM calls WHERE id = ?').bind(callId).first<{ created_at: number }>();
    expect(timer.dueAt).toBe(created!.created_at + 8_000); // the default policy's wait_seconds
    expect(await eventTypes(callId)).not.toContain('screen_unavailable');

    // The screen's wait is over.
    await bindings.DB.prepare('UPDATE calls SET created_at = ? WHERE id = ?').bind(Date.now() - 9_000, callId).run();
    await makeDue(callId, key);
    expect(await runDurableObjectAlarm(object(callId))).toBe(true);
    const types = await eventTypes(callId);
    expect(types.filter((t) => t === 'screen_unavailable')).toHaveLength(1);
    // The default policy fails closed: the call is now at the medium tier, before any request.
    expect(types).not.toContain('degraded');
    const trail = await admin('GET', `/calls/${callId}`);
    const decided = trail.body.events.filter((e: { type: string; trigger?: string }) => e.type === 'policy_decision' && e.trigger === 'screen_deadline');
    expect(decided).toMatchObject([{ tier: 'medium', outcome: 'step_up', required: 2 }]);
    const signals = await bindings.DB.prepare("SELECT json_extract(signals, '$.screen_unavailable') AS u FROM calls WHERE id = ?").bind(callId).first();
    expect(signals).toEqual({ u: 1 });

    // Delivered again: nothing more.
    await runInDurableObject(object(callId), (_, state) => state.storage.put(key, { ...timer, dueAt: Date.now() - 1 }));
    expect(await runDurableObjectAlarm(object(callId))).toBe(true);
    expect(await eventTypes(callId)).toEqual(types);
  });
});
