import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { WorkerEnv } from './env.js';

const ns = (env as unknown as WorkerEnv).CALLS;

describe('CallObject', () => {
  it('holds waiters until woken, then releases every one', async () => {
    const stub = ns.getByName('did:held');
    const waits = Array.from({ length: 20 }, () => stub.wait(20_000));
    // The waiters are parked before the wake is sent: the object serves calls in order.
    await expect.poll(() => stub.waiting()).toBe(20);
    expect(await stub.wake()).toBe(20);
    expect(await Promise.all(waits)).toEqual(Array(20).fill('woken'));
    expect(await stub.waiting()).toBe(0);
  });

  it('answers a wait at once once woken, even after the object was reset (state first)', async () => {
    const stub = ns.getByName('did:sticky');
    await stub.wake();
    await abortAllDurableObjects();
    // Were the wake memory only, this wait would time out.
    expect(await ns.getByName('did:sticky').wait(2_000)).toBe('woken');
  });

  it('times a waiter out when nothing happens', async () => {
    expect(await ns.getByName('did:quiet').wait(50)).toBe('timeout');
  });

  it('a waiter parked when the object is reset is not woken by the new instance; a re-poll is', async () => {
    const stub = ns.getByName('did:evicted');
    // Memory only: the old waiter ends with a timeout or a broken call (the waker reads either
    // as a timeout, and its caller re-reads the state), never with the new instance's wake.
    const parked = stub.wait(2_000).then(
      (outcome) => outcome,
      () => 'failed',
    );
    await expect.poll(() => stub.waiting()).toBe(1);
    await abortAllDurableObjects();
    const fresh = ns.getByName('did:evicted');
    const again = fresh.wait(20_000);
    await expect.poll(() => fresh.waiting()).toBe(1);
    await fresh.wake();
    expect(await again).toBe('woken');
    expect(['timeout', 'failed']).toContain(await parked);
  });

  it('50 concurrent wakes write the wake once and release each waiter once', async () => {
    const stub = ns.getByName('did:race');
    const waits = Array.from({ length: 20 }, () => stub.wait(20_000));
    await expect.poll(() => stub.waiting()).toBe(20);
    const released = await Promise.all(Array.from({ length: 50 }, () => stub.wake()));
    expect(released.reduce((a, b) => a + b, 0)).toBe(20);
    expect(await Promise.all(waits)).toEqual(Array(20).fill('woken'));
    const stored = await runInDurableObject(stub, (_, state) => state.storage.get<number>('wokenAt'));
    expect(typeof stored).toBe('number');
  });

  it('forgets a resolved session when its alarm fires', async () => {
    const stub = ns.getByName('did:forget');
    await stub.wake();
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).not.toBeNull();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, (_, state) => state.storage.get('wokenAt'))).toBeUndefined();
    expect(await stub.wait(50)).toBe('timeout');
  });
});
