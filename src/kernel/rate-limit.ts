/**
 * Fixed-window counters per key: enough to stop a script hammering one caller, device or session.
 * In memory on Node (one process); a Durable Object keyed like these counters serves on Workers,
 * which is why callers await the answer.
 */
export interface RateLimiter {
  /** Takes one unit; false when `key` already used `limit` in the current window. */
  take(key: string, limit: number, windowMs: number, now: number): boolean | Promise<boolean>;
  /** True when `key` has no unit left in the current window; takes nothing. */
  exhausted(key: string, limit: number, windowMs: number, now: number): boolean | Promise<boolean>;
}

export function createMemoryRateLimiter(maxKeys = 100_000): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    take(key, limit, windowMs, now) {
      let w = windows.get(key);
      if (!w || now - w.start >= windowMs) {
        if (!w && windows.size >= maxKeys) {
          // Bounded memory: forget the oldest window (Map keeps insertion order).
          const oldest = windows.keys().next().value;
          if (oldest !== undefined) windows.delete(oldest);
        }
        w = { start: now, count: 0 };
        windows.set(key, w);
      }
      w.count++;
      return w.count <= limit;
    },
    exhausted(key, limit, windowMs, now) {
      const w = windows.get(key);
      return w !== undefined && now - w.start < windowMs && w.count >= limit;
    },
  };
}
