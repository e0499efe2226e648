/**
 * Wakes long-polls the moment a state change commits. In-process on Node; a Durable Object per
 * call implements the same interface on Workers. Waiters are memory only: state is always in SQL
 * first, so a woken (or timed-out) waiter re-reads it.
 */
export interface Waker {
  wait(key: string, timeoutMs: number, signal?: AbortSignal): Promise<'woken' | 'timeout' | 'aborted'>;
  wake(key: string): void;
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
    wait(key, timeoutMs, signal) {
      if (signal?.aborted) return Promise.resolve('aborted');
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
    wake(key) {
      const set = waiters.get(key);
      if (set) for (const w of [...set]) w.done('woken');
    },
    waiting: () => count,
  };
}

function timeUp(w: Waiter) {
  w.done('timeout');
}
