// The push app routes' rate limits hold with a limiter that answers a promise, as the Durable
// Object limiter on Workers does: a limit checked without awaiting it would let every request by.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../../../test/helpers/app.js';
import { createMemoryRateLimiter, type RateLimiter } from '../../kernel/rate-limit.js';

const memory = createMemoryRateLimiter();
const remote: RateLimiter = {
  take: async (...args) => memory.take(...args),
  exhausted: async (...args) => memory.exhausted(...args),
};

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp({ rateLimiter: remote });
});
afterEach(() => t.close());

const signature = 'A'.repeat(86);
const statuses = async (n: number, request: (i: number) => Promise<{ status: number }>) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await request(i)).status);
  return out;
};

describe('push app rate limits with an asynchronous limiter', () => {
  it('register: 10 a minute per device', async () => {
    const got = await statuses(11, () => t.appPost('/push/register', { device_id: 'lim-reg', transport: 'pull', timestamp: t.clock.now(), signature }));
    expect(got.slice(0, 10).every((s) => s !== 429)).toBe(true);
    expect(got[10]).toBe(429);
  });

  it('the pull channel: 60 a minute per device', async () => {
    const got = await statuses(61, () => t.send('GET', `/app/push/pending?device_id=lim-pull&timestamp=${t.clock.now()}&signature=${signature}`, undefined, 'none'));
    expect(got.slice(0, 60).every((s) => s !== 429)).toBe(true);
    expect(got[60]).toBe(429);
  });

  it('answers: 30 a minute per device', async () => {
    const body = { challenge_id: 'push_none', device_id: 'lim-ans', nonce: 'n'.repeat(24), signature };
    const got = await statuses(31, () => t.appPost('/push/deny', body));
    expect(got.slice(0, 30).every((s) => s !== 429)).toBe(true);
    expect(got[30]).toBe(429);
  });
});
