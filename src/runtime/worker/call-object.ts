// One Durable Object per waker key (a DID session, `did:<id>`): it holds the long-polls waiting
// on that session, from every isolate, and wakes them all when the session resolves. Waiters are
// memory only; the wake is written to storage first, so a wait that arrives later (after an
// eviction, or one that raced the wake) answers at once and the caller re-reads the state from D1.
import { DurableObject } from 'cloudflare:workers';

/** A held request keeps the object in memory and billed: no wait outlives this (clients re-poll). */
export const MAX_PARK_MS = 25_000;
/** A resolved session's object forgets itself after this (its state is in D1 for good). */
export const FORGET_AFTER_MS = 24 * 3_600_000;

export type WaitOutcome = 'woken' | 'timeout';

export class CallObject extends DurableObject {
  readonly #waiters = new Set<(outcome: WaitOutcome) => void>();

  /** Parks until woken or `timeoutMs` (at most MAX_PARK_MS) passes; at once if already woken. */
  async wait(timeoutMs: number): Promise<WaitOutcome> {
    if ((await this.ctx.storage.get<number>('wokenAt')) !== undefined) return 'woken';
    return new Promise<WaitOutcome>((resolve) => {
      const done = (outcome: WaitOutcome) => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve(outcome);
      };
      const timer = setTimeout(done, Math.min(Math.max(0, timeoutMs), MAX_PARK_MS), 'timeout');
      this.#waiters.add(done);
    });
  }

  /**
   * Called after the session's terminal state committed to D1. Wakes are sticky: a DID session
   * leaves `pending` once, for good. Answers how many waiters it released.
   */
  async wake(): Promise<number> {
    const now = Date.now();
    if ((await this.ctx.storage.get<number>('wokenAt')) === undefined) {
      await this.ctx.storage.put('wokenAt', now);
      await this.ctx.storage.setAlarm(now + FORGET_AFTER_MS);
    }
    const released = [...this.#waiters];
    for (const w of released) w('woken');
    return released.length;
  }

  /** Waiters parked here now. */
  waiting(): number {
    return this.#waiters.size;
  }

  /** Forget a long-resolved session (an alarm is at-least-once: deleting twice is harmless). */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
