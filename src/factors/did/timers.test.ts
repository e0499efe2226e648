// The DID TTL through the timers port (kernel/timers.ts), on the fake clock: the session's timer
// times it out and wakes its waiters without the sweep; the sweep then has nothing left to do.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeTestApp, type TestApp } from '../../../test/helpers/app.js';
import { sweepExpired } from './sessions.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(() => t.close());

const create = (callId: string) => t.ivr('POST', '/sessions', { provider: 'genesys', callId, ani: '+14155550160' });

describe('the DID TTL timer', () => {
  it('times a session out when its TTL is over, wakes its waiter, and leaves the sweep nothing', async () => {
    const { body } = await create('tm-1');
    expect(t.timers.pending()).toBe(1);
    const poll = t.ivr('GET', `/sessions/${body.sessionId}?wait=20`);
    await vi.waitFor(() => expect(t.services.waker.waiting()).toBe(1));
    t.clock.advance(59_999);
    expect(await t.timers.runDue()).toBe(0);
    t.clock.advance(1);
    expect(await t.timers.runDue()).toBe(1);
    expect((await poll).body).toMatchObject({ sessionId: body.sessionId, status: 'timeout' });
    expect(t.eventTypes('genesys:tm-1').filter((e) => e === 'timeout')).toHaveLength(1);
    expect(await sweepExpired(t.services)).toBe(0);
  });

  it('does nothing for a session canceled first, nor twice', async () => {
    const { body } = await create('tm-2');
    expect((await t.ivr('POST', `/sessions/${body.sessionId}/cancel`)).body.status).toBe('canceled');
    t.clock.advance(60_000);
    expect(await t.timers.runDue()).toBe(1);
    expect((await t.ivr('GET', `/sessions/${body.sessionId}`)).body.status).toBe('canceled');
    // A timer run again (an alarm delivered twice) finds nothing to do either.
    t.services.timers.at('genesys:tm-2', 'did_ttl', t.clock.now(), body.sessionId);
    expect(await t.timers.runDue()).toBe(1);
    expect(t.eventTypes('genesys:tm-2')).not.toContain('timeout');
  });
});
