// Rate limits on Workers: isolates come and go and many serve at once, so the fixed-window
// counters of src/kernel/rate-limit.ts live in a Durable Object per limiter key, in its storage
// (a restart or an eviction keeps the count). One object is single-threaded: a take is atomic.
import { DurableObject } from 'cloudflare:workers';
import type { RateLimiter } from '../../kernel/rate-limit.js';

interface Window {
  start: number;
  count: number;
  windowMs: number;
}

export class RateLimitObject extends DurableObject {
  async take(limit: number, windowMs: number, now: number): Promise<boolean> {
    let w = await this.ctx.storage.get<Window>('w');
    if (!w || now - w.start >= windowMs) {
      w = { start: now, count: 0, windowMs };
      // Forget the key once its window is over: keys are per caller, device and session.
      await this.ctx.storage.setAlarm(now + windowMs);
    }
    w.count++;
    await this.ctx.storage.put('w', w);
    return w.count <= limit;
  }

  async exhausted(limit: number, windowMs: number, now: number): Promise<boolean> {
    const w = await this.ctx.storage.get<Window>('w');
    return w !== undefined && now - w.start < windowMs && w.count >= limit;
  }

  override async alarm(): Promise<void> {
    // Alarms are at-least-once and may run late: a window still open is kept until its end.
    const w = await this.ctx.storage.get<Window>('w');
    if (w && Date.now() < w.start + w.windowMs) await this.ctx.storage.setAlarm(w.start + w.windowMs);
    else await this.ctx.storage.deleteAll();
  }
}

/** The RateLimiter the app uses on Workers: one object per key, asked over RPC. */
export function createDurableRateLimiter(ns: DurableObjectNamespace<RateLimitObject>): RateLimiter {
  return {
    take: (key, limit, windowMs, now) => ns.getByName(key).take(limit, windowMs, now),
    exhausted: (key, limit, windowMs, now) => ns.getByName(key).exhausted(limit, windowMs, now),
  };
}
