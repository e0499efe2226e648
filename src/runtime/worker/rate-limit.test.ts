import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { WorkerEnv } from './env.js';
import { createDurableRateLimiter } from './rate-limit.js';

const limiter = createDurableRateLimiter((env as unknown as WorkerEnv).LIMITS);
const ns = (env as unknown as WorkerEnv).LIMITS;

describe('RateLimitObject', () => {
  it('grants exactly the limit under 50 concurrent takes', async () => {
    const now = Date.now();
    const answers = await Promise.all(Array.from({ length: 50 }, () => limiter.take('race', 20, 60_000, now)));
    expect(answers.filter(Boolean)).toHaveLength(20);
    expect(await limiter.exhausted('race', 20, 60_000, now)).toBe(true);
    expect(await limiter.exhausted('other', 20, 60_000, now)).toBe(false);
  });

  it('opens a new window when the old one is over', async () => {
    const now = Date.now();
    expect(await limiter.take('window', 1, 1_000, now)).toBe(true);
    expect(await limiter.take('window', 1, 1_000, now + 999)).toBe(false);
    expect(await limiter.take('window', 1, 1_000, now + 1_000)).toBe(true);
  });

  it('keeps its count across a reset of the object (durable, not in memory)', async () => {
    const now = Date.now();
    expect(await limiter.take('durable', 1, 60_000, now)).toBe(true);
    await abortAllDurableObjects();
    expect(await limiter.take('durable', 1, 60_000, now)).toBe(false);
  });

  it('its alarm keeps an open window and forgets a closed one', async () => {
    const now = Date.now();
    await limiter.take('open', 1, 3_600_000, now);
    expect(await runDurableObjectAlarm(ns.getByName('open'))).toBe(true);
    expect(await limiter.exhausted('open', 1, 3_600_000, now)).toBe(true);

    // A window already over sets an alarm in the past: it runs at once and forgets the key.
    await limiter.take('closed', 1, 1_000, now - 10_000);
    const closed = ns.getByName('closed');
    await expect.poll(() => runInDurableObject(closed, (_, state) => state.storage.get('w'))).toBeUndefined();
    expect(await runDurableObjectAlarm(closed)).toBe(false);
  });
});
