// The DID long-poll over HTTP on the worker: D1 holds the session, its call's CallObject holds
// the waiters (per session), and the confirmation's wake reaches them.
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { WorkerEnv } from './env.js';
import { admin, app, enrolWithDevice, ivr } from './test-client.js';

const calls = (env as unknown as WorkerEnv).CALLS;

/** The CallObject of a Genesys call of these tests (the call id is `genesys:<callId>`). */
const callObject = (callId: string) => calls.getByName(`call:genesys:${callId}`);
/** When the call's object recorded the session's wake (undefined: never woken; the poll then answered from its timeout). */
const wokenAt = (callId: string, sessionId: string) =>
  runInDurableObject(callObject(callId), (_, state) => state.storage.get<number>(`wake:did:${sessionId}`));

async function pendingSession(callId: string, ani: string) {
  const created = await ivr('POST', '/sessions', { provider: 'genesys', callId, dnis: '+18005550100', ani });
  expect(created.status).toBe(201);
  return created.body as { sessionId: string; did: string };
}

describe('GET /ivr/sessions/{id}?wait= on Workers', () => {
  it('is answered by the confirmation, not by its timeout', async () => {
    const device = await enrolWithDevice('cust_w1', '+14155550101', 'w1-phone');
    const session = await pendingSession('w-1', '+14155550101');
    const poll = ivr('GET', `/sessions/${session.sessionId}?wait=15`);
    await expect.poll(() => callObject('w-1').waiting(`did:${session.sessionId}`)).toBe(1);
    const confirmed = await app('/confirm', await device.signedConfirm(session.did));
    expect(confirmed.body).toMatchObject({ success: true });
    expect((await poll).body).toMatchObject({ sessionId: session.sessionId, status: 'confirmed', customerId: 'cust_w1' });
    // A poll re-reads D1 when its wait runs out, so the answer alone does not show the wake did it.
    expect(await wokenAt('w-1', session.sessionId)).toBeTypeOf('number');
  });

  it('50 concurrent confirmations: one transition, the device limit holds at 20, every waiter woken', async () => {
    const device = await enrolWithDevice('cust_w2', '+14155550102', 'w2-phone');
    const session = await pendingSession('w-2', '+14155550102');
    const polls = Array.from({ length: 20 }, () => ivr('GET', `/sessions/${session.sessionId}?wait=15`));
    await expect.poll(() => callObject('w-2').waiting(`did:${session.sessionId}`)).toBe(20);
    const body = await device.signedConfirm(session.did);
    const answers = await Promise.all(Array.from({ length: 50 }, () => app('/confirm', body)));
    expect(answers.filter((a) => a.body.success === true)).toHaveLength(1);
    // The challenge took one unit of its own limit; confirmations have theirs: 20 per minute per device.
    expect(answers.filter((a) => a.status === 429)).toHaveLength(30);
    const woken = await Promise.all(polls);
    expect(woken.map((p) => p.body.status)).toEqual(Array(20).fill('confirmed'));
    expect(await wokenAt('w-2', session.sessionId)).toBeTypeOf('number');
    const trail = await admin('GET', '/calls/genesys:w-2');
    expect(trail.body.events.filter((e: { type: string }) => e.type === 'confirmed')).toHaveLength(1);
  });

  it('a poll after the session resolved answers at once from D1, whatever became of its object', async () => {
    const session = await pendingSession('w-3', '+14155550103');
    const canceled = await ivr('POST', `/sessions/${session.sessionId}/cancel`);
    expect(canceled.body.status).toBe('canceled');
    const again = await ivr('GET', `/sessions/${session.sessionId}?wait=20`);
    expect(again.body.status).toBe('canceled');
  });
});
