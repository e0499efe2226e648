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

export function createLocalWaker(): Waker {
  const waiters = new Map<string, Set<() => void>>();
  let count = 0;
  return {
    wait(key, timeoutMs, signal) {
      if (signal?.aborted) return Promise.resolve('aborted');
      return new Promise((resolve) => {
        let set = waiters.get(key);
        if (!set) waiters.set(key, (set = new Set()));
        const done = (outcome: 'woken' | 'timeout' | 'aborted') => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (set!.delete(wake)) count--;
          if (set!.size === 0 && waiters.get(key) === set) waiters.delete(key);
          resolve(outcome);
        };
        const wake = () => done('woken');
        const onAbort = () => done('aborted');
        const timer = setTimeout(() => done('timeout'), Math.max(0, timeoutMs));
        set.add(wake);
        count++;
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    wake(key) {
      const set = waiters.get(key);
      if (set) for (const w of [...set]) w();
    },
    waiting: () => count,
  };
}
