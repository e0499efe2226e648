import { describe, expect, it } from 'vitest';
import { createLocalWaker, type WakeKey } from './waker.js';

const key = (topic: string): WakeKey => ({ callId: 'c1', topic });

describe('local waker', () => {
  it('wakes every waiter of a key, and only those', async () => {
    const w = createLocalWaker();
    const a = w.wait(key('s1'), 60_000);
    const b = w.wait(key('s1'), 60_000);
    const other = w.wait(key('s2'), 20);
    expect(w.waiting()).toBe(3);
    w.wake(key('s1'));
    expect(await Promise.all([a, b])).toEqual(['woken', 'woken']);
    expect(w.waiting()).toBe(1);
    expect(await other).toBe('timeout');
    expect(w.waiting()).toBe(0);
  });

  it('keeps the same topic of two calls, and a call and a device, apart', async () => {
    const w = createLocalWaker();
    const mine = w.wait({ callId: 'c1', topic: 'did:x' }, 60_000);
    const other = w.wait({ callId: 'c2', topic: 'did:x' }, 20);
    const device = w.wait({ deviceId: 'c1', topic: 'did:x' }, 20);
    w.wake({ callId: 'c1', topic: 'did:x' });
    expect(await Promise.all([mine, other, device])).toEqual(['woken', 'timeout', 'timeout']);
  });

  it('lets a client that goes away leave, and keeps no listener on its signal', async () => {
    const w = createLocalWaker();
    const controller = new AbortController();
    const removed: unknown[] = [];
    const signal = controller.signal;
    const remove = signal.removeEventListener.bind(signal);
    signal.removeEventListener = (type: string, l: never) => (removed.push(type), remove(type, l));
    const held = w.wait(key('s1'), 60_000, signal);
    controller.abort();
    expect(await held).toBe('aborted');
    expect(w.waiting()).toBe(0);
    w.wake(key('s1')); // nothing left to wake, nothing thrown
    expect(await w.wait(key('s1'), 60_000, signal)).toBe('aborted'); // already gone: answers at once
    expect(w.waiting()).toBe(0);

    const c2 = new AbortController();
    const s2 = c2.signal;
    const remove2 = s2.removeEventListener.bind(s2);
    s2.removeEventListener = (type: string, l: never) => (removed.push(type), remove2(type, l));
    const woken = w.wait(key('s3'), 60_000, s2);
    w.wake(key('s3'));
    expect(await woken).toBe('woken');
    expect(removed).toContain('abort');
    c2.abort(); // a late abort after the wake changes nothing
    expect(w.waiting()).toBe(0);
  });
});
