// The Waker of src/kernel/waker.ts on Workers: a wait parks in the key's CallObject (which
// every isolate reaches), a wake (sent after the state change committed to D1) releases it there.
import { waitUntil } from 'cloudflare:workers';
import type { Waker } from '../../kernel/waker.js';
import type { Logger } from '../../kernel/ports.js';
import type { CallObject } from './call-object.js';

/** After a failed call to the object, wait this long before answering, so the caller's loop is no busy one. */
const RETRY_PAUSE_MS = 1_000;

export interface WorkerWaker extends Waker {
  /** Resolves once every wake sent from this isolate has reached its object (cron, tests). */
  settled(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createWorkerWaker(ns: DurableObjectNamespace<CallObject>, logger: Logger): WorkerWaker {
  let held = 0;
  const sending = new Set<Promise<unknown>>();
  return {
    async wait(key, timeoutMs, signal) {
      if (signal?.aborted) return 'aborted';
      held++;
      let onAbort = () => {};
      const aborted = new Promise<'aborted'>((resolve) => {
        onAbort = () => resolve('aborted');
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      try {
        return await Promise.race([ns.getByName(key).wait(timeoutMs), aborted]);
      } catch (err) {
        // The object was reset (a deploy, an eviction) or overloaded: the caller re-reads the
        // state from D1 either way, so this is a timeout, after a pause.
        logger.warn('did_wait_object_failed', { error: (err as Error).name });
        await Promise.race([sleep(Math.min(RETRY_PAUSE_MS, Math.max(0, timeoutMs))), aborted]);
        return signal?.aborted ? 'aborted' : 'timeout';
      } finally {
        signal?.removeEventListener('abort', onAbort);
        held--;
      }
    },
    wake(key) {
      // Once more on failure (an object reset mid-call); after that its waiters time out and re-read.
      const sent: Promise<unknown> = ns
        .getByName(key)
        .wake()
        .catch(() => ns.getByName(key).wake())
        .catch((err: unknown) => logger.error('did_wake_failed', { error: (err as Error).name }))
        .finally(() => sending.delete(sent));
      sending.add(sent);
      // The request that committed the change may answer before the wake arrives.
      waitUntil(sent);
    },
    waiting: () => held,
    async settled() {
      while (sending.size) await Promise.all([...sending]);
    },
  };
}
