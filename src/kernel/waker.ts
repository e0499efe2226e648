/**
 * What a long-poll waits on. Almost always one topic of one call (a DID session, a push
 * challenge): the call names where the waiters are held (on Workers, the call's Durable Object),
 * and such a topic resolves once, so its wake is sticky there. A device's pull channel waits
 * before any call exists for it, so it is the one key scoped by its device; a wake there means
 * "look again", never "resolved".
 */
export type WakeKey = { callId: string; topic: string } | { deviceId: string; topic: string };

/** Where a key's waiters live: `call:<id>` or `device:<id>` (the Durable Object's name on Workers). */
export const wakeScope = (key: WakeKey): string => ('callId' in key ? `call:${key.callId}` : `device:${key.deviceId}`);

/**
 * Wakes long-polls the moment a state change commits. In-process on Node; a Durable Object per
 * call implements the same interface on Workers. Waiters are memory only: state is always in SQL
 * first, so a woken (or timed-out) waiter re-reads it.
 */
export interface Waker {
  wait(key: WakeKey, timeoutMs: number, signal?: AbortSignal): Promise<'woken' | 'timeout' | 'aborted'>;
  wake(key: WakeKey): void;
  /** Waiters currently held (metrics, leak tests). */
  waiting(): number;
}

type Outcome = 'woken' | 'timeout' | 'aborted';

/**
 * One parked long-poll: a single object that is its own abort listener (`handleEvent`), so a
 * waiter costs this object, its timer and its promise — thousands are held at once.
 */
class Waiter {
  timer: ReturnType<typeof setTimeout> | undefined;
  constructor(
    readonly key: string,
    private readonly resolve: (outcome: Outcome) => void,
    private readonly signal: AbortSignal | undefined,
    private readonly release: (w: Waiter) => void,
  ) {}
  done(outcome: Outcome) {
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this);
    this.release(this);
    this.resolve(outcome);
  }
  handleEvent() {
    this.done('aborted');
  }
}

export function createLocalWaker(): Waker {
  const waiters = new Map<string, Set<Waiter>>();
  let count = 0;
  const release = (w: Waiter) => {
    const set = waiters.get(w.key);
    if (!set?.delete(w)) return;
    count--;
    if (set.size === 0) waiters.delete(w.key);
  };
  return {
    wait(wakeKey, timeoutMs, signal) {
      if (signal?.aborted) return Promise.resolve('aborted');
      const key = `${wakeScope(wakeKey)}/${wakeKey.topic}`;
      return new Promise((resolve) => {
        const w = new Waiter(key, resolve, signal, release);
        let set = waiters.get(key);
        if (!set) waiters.set(key, (set = new Set()));
        set.add(w);
        count++;
        w.timer = setTimeout(timeUp, Math.max(0, timeoutMs), w);
        signal?.addEventListener('abort', w, { once: true });
      });
    },
    wake(wakeKey) {
      const set = waiters.get(`${wakeScope(wakeKey)}/${wakeKey.topic}`);
      if (set) for (const w of [...set]) w.done('woken');
    },
    waiting: () => count,
  };
}

function timeUp(w: Waiter) {
  w.done('timeout');
}
