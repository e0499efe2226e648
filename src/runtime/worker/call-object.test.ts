import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { FORGET_AFTER_MS } from './call-object.js';
import type { WorkerEnv } from './env.js';

const ns = (env as unknown as WorkerEnv).CALLS;

describe('CallObject: waiters', () => {
  it('holds waiters per topic until woken, then releases every one of that topic only', async () => {
    const stub = ns.getByName('call:held');
    const waits = Array.from({ length: 20 }, () => stub.wait('did:a', 20_000));
    const other = stub.wait('did:b', 20_000);
    // The waiters are parked before the wake is sent: the object serves calls in order.
    await expect.poll(() => stub.waiting()).toBe(21);
    expect(await stub.waiting('did:a')).toBe(20);
    expect(await stub.wake('did:a', true)).toBe(20);
    expect(await Promise.all(waits)).toEqual(Array(20).fill('woken'));
    expect(await stub.waiting()).toBe(1);
    expect(await stub.wake('did:b', true)).toBe(1);
    expect(await other).toBe('woken');
  });

  it('answers a wait at once once woken, even after the object was reset (state first)', async () => {
    const stub = ns.getByName('call:sticky');
    await stub.wake('did:s', true);
    await abortAllDurableObjects();
    // Were the wake memory only, this wait would time out.
    expect(await ns.getByName('call:sticky').wait('did:s', 2_000)).toBe('woken');
    // Sticky per topic: another topic of the same call still waits.
    expect(await ns.getByName('call:sticky').wait('did:t', 50)).toBe('timeout');
  });

  it('times a waiter out when nothing happens', async () => {
    expect(await ns.getByName('call:quiet').wait('did:q', 50)).toBe('timeout');
  });

  it("a device's pull channel is woken for each new push, never answered at once by an old wake", async () => {
    const stub = ns.getByName('device:phone');
    const first = stub.wait('push', 20_000);
    await expect.poll(() => stub.waiting('push')).toBe(1);
    expect(await stub.wake('push', false)).toBe(1);
    expect(await first).toBe('woken');
    // A sticky wake here would turn every later pull into a busy loop.
    expect(await stub.wait('push', 50)).toBe('timeout');
    expect(await runInDurableObject(stub, (_, state) => state.storage.list())).toEqual(new Map());
  });

  it('a waiter parked when the object is reset is not woken by the new instance; a re-poll is', async () => {
    const stub = ns.getByName('call:evicted');
    // Memory only: the old waiter ends with a timeout or a broken call (the waker reads either
    // as a timeout, and its caller re-reads the state), never with the new instance's wake.
    const parked = stub.wait('did:e', 2_000).then(
      (outcome) => outcome,
      () => 'failed',
    );
    await expect.poll(() => stub.waiting()).toBe(1);
    await abortAllDurableObjects();
    const fresh = ns.getByName('call:evicted');
    const again = fresh.wait('did:e', 20_000);
    await expect.poll(() => fresh.waiting()).toBe(1);
    await fresh.wake('did:e', true);
    expect(await again).toBe('woken');
    expect(['timeout', 'failed']).toContain(await parked);
  });

  it('50 concurrent wakes write the wake once and release each waiter once', async () => {
    const stub = ns.getByName('call:race');
    const waits = Array.from({ length: 20 }, () => stub.wait('did:r', 20_000));
    await expect.poll(() => stub.waiting()).toBe(20);
    const released = await Promise.all(Array.from({ length: 50 }, () => stub.wake('did:r', true)));
    expect(released.reduce((a, b) => a + b, 0)).toBe(20);
    expect(await Promise.all(waits)).toEqual(Array(20).fill('woken'));
    const stored = await runInDurableObject(stub, (_, state) => state.storage.get<number>('wake:did:r'));
    expect(typeof stored).toBe('number');
  });
});

describe('CallObject: forgetting', () => {
  it('keeps a woken call while it is recent, and forgets it long after its last activity', async () => {
    const stub = ns.getByName('call:forget');
    await stub.wake('did:f', true);
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).not.toBeNull();
    // Recent: the alarm (delivered early, or twice) keeps everything and re-arms.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.wait('did:f', 50)).toBe('woken');
    // A day later (moved back by hand): the alarm deletes the object's storage.
    await runInDurableObject(stub, (_, state) => state.storage.put('last', Date.now() - FORGET_AFTER_MS - 1));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, (_, state) => state.storage.list())).toEqual(new Map());
    expect(await stub.wait('did:f', 50)).toBe('timeout');
  });
});
