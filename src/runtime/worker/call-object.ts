// One Durable Object per call (`call:<call id>`), reached from every isolate: it holds the call's
// long-polls per topic (a DID session, a push) and wakes them when the topic resolves, and it keeps
// the call's timers (DID TTL, push expiry, the screen's deadline) as one alarm at the earliest.
// Waiters are memory only; a wake is written to storage first, so a wait that arrives later (after
// an eviction, or one that raced the wake) answers at once and the caller re-reads D1. A device's
// pull channel uses the same class under `device:<device id>`, with wakes that are not sticky.
//
// Storage: `wake:<topic>` (when the topic was woken; sticky), `timer:<kind>:<ref>` (a due timer),
// `last` (the last wake or timer; the object forgets itself FORGET_AFTER_MS after it).
import { DurableObject } from 'cloudflare:workers';
import { jsonLogger } from '../../kernel/ports.js';
import { workerRuntime, type WorkerRuntime } from './boot.js';
import type { WorkerEnv } from './env.js';

/** A held request keeps the object in memory and billed: no wait outlives this (clients re-poll). */
export const MAX_PARK_MS = 25_000;
/** An object forgets its call this long after the last wake or timer (the call's state is in D1 for good). */
export const FORGET_AFTER_MS = 24 * 3_600_000;
/** A timer whose handler failed is tried again after this (times its tries), at most MAX_TRIES times; the cron sweeps the rest. */
export const RETRY_AFTER_MS = 10_000;
export const MAX_TRIES = 5;

export type WaitOutcome = 'woken' | 'timeout';

export interface StoredTimer {
  kind: string;
  ref: string;
  dueAt: number;
  tries: number;
}

const fallbackLog = jsonLogger();

export class CallObject extends DurableObject<WorkerEnv> {
  readonly #waiters = new Map<string, Set<(outcome: WaitOutcome) => void>>();

  /** Parks on `topic` until woken or `timeoutMs` (at most MAX_PARK_MS) passes; at once if already woken. */
  async wait(topic: string, timeoutMs: number): Promise<WaitOutcome> {
    if ((await this.ctx.storage.get<number>(`wake:${topic}`)) !== undefined) return 'woken';
    return new Promise<WaitOutcome>((resolve) => {
      let set = this.#waiters.get(topic);
      if (!set) this.#waiters.set(topic, (set = new Set()));
      const held = set;
      const done = (outcome: WaitOutcome) => {
        clearTimeout(timer);
        held.delete(done);
        if (held.size === 0 && this.#waiters.get(topic) === held) this.#waiters.delete(topic);
        resolve(outcome);
      };
      const timer = setTimeout(done, Math.min(Math.max(0, timeoutMs), MAX_PARK_MS), 'timeout');
      held.add(done);
    });
  }

  /**
   * Called after the topic's change committed to D1; releases its waiters and answers how many.
   * `sticky`: the topic resolved for good (a DID session or a push leaves `pending` once), so the
   * wake is stored first and every later wait on it answers at once.
   */
  async wake(topic: string, sticky: boolean): Promise<number> {
    if (sticky && (await this.ctx.storage.get<number>(`wake:${topic}`)) === undefined) {
      const now = Date.now();
      // Unconfirmed: the woken waiters' answers do not wait for this write to reach the disk (it is
      // in the object's cache at once, so a later wait still sees it). A wake lost with the object
      // costs a waiter its wait, and it re-reads D1: latency, never a wrong answer.
      await this.ctx.storage.put({ [`wake:${topic}`]: now, last: now }, { allowUnconfirmed: true });
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + FORGET_AFTER_MS, { allowUnconfirmed: true });
    }
    const released = [...(this.#waiters.get(topic) ?? [])];
    for (const w of released) w('woken');
    return released.length;
  }

  /** Waiters parked here now (on one topic, or on all). */
  waiting(topic?: string): number {
    if (topic !== undefined) return this.#waiters.get(topic)?.size ?? 0;
    let n = 0;
    for (const set of this.#waiters.values()) n += set.size;
    return n;
  }

  /** Keeps a timer of the call (the same kind and ref again replaces it), and the alarm at the earliest one. */
  async schedule(kind: string, ref: string, dueAt: number): Promise<void> {
    const timer: StoredTimer = { kind, ref, dueAt, tries: 0 };
    await this.ctx.storage.put({ [`timer:${kind}:${ref}`]: timer, last: Date.now() });
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || dueAt < alarm) await this.ctx.storage.setAlarm(dueAt);
  }

  /**
   * Runs the due timers' handlers through the app (built as the fetch handler builds it), then
   * re-arms for the rest, or forgets the call once it has been quiet long enough. Alarms are at
   * least once: a handler is a conditional transition, so running one twice changes nothing.
   */
  override async alarm(): Promise<void> {
    const due = [...(await this.ctx.storage.list<StoredTimer>({ prefix: 'timer:' }))].filter(([, t]) => t.dueAt <= Date.now());
    if (due.length) await this.#run(due);
    const now = Date.now();
    const left = [...(await this.ctx.storage.list<StoredTimer>({ prefix: 'timer:' })).values()];
    const forgetAt = ((await this.ctx.storage.get<number>('last')) ?? now) + FORGET_AFTER_MS;
    if (left.length > 0) return this.ctx.storage.setAlarm(Math.min(...left.map((t) => t.dueAt)));
    if (now >= forgetAt) return this.ctx.storage.deleteAll();
    await this.ctx.storage.setAlarm(forgetAt);
  }

  async #run(due: [string, StoredTimer][]) {
    let rt: WorkerRuntime | undefined;
    try {
      rt = await workerRuntime(this.env);
      await rt.policies.refresh();
    } catch (err) {
      fallbackLog.error('timer_runtime_failed', { error: (err as Error).name });
    }
    for (const [key, t] of due) {
      try {
        if (!rt) throw new Error('no runtime');
        await rt.runTimer(t.kind, t.ref);
        await this.ctx.storage.delete(key);
      } catch (err) {
        const tries = t.tries + 1;
        (rt?.logger ?? fallbackLog).error('timer_failed', { kind: t.kind, tries, error: (err as Error).name });
        if (tries >= MAX_TRIES) await this.ctx.storage.delete(key);
        else await this.ctx.storage.put(key, { ...t, tries, dueAt: Date.now() + RETRY_AFTER_MS * tries });
      }
    }
    // The wakes the handlers sent (to this object, among others) reach their waiters before the alarm ends.
    await rt?.settle();
  }
}
