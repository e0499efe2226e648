// The Waker of src/kernel/waker.ts on Workers: a wait parks in its call's CallObject (a device's
// pull channel in its device's), which every isolate reaches; a wake (sent after the state change
// committed to D1) releases the topic's waiters there.
import { wakeScope, type Waker, type WakeKey } from '../../kernel/waker.js';
import type { Logger } from '../../kernel/ports.js';
import type { CallObject } from './call-object.js';
import { createSends } from './sends.js';

/** After a failed call to the object, wait this long before answering, so the caller's loop is no busy one. */
const RETRY_PAUSE_MS = 1_000;

export interface WorkerWaker extends Waker {
  /** Resolves once every wake sent from this isolate has reached its object (cron, alarms, tests). */
  settled(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A call's topic resolves once (sticky in its object); a device's channel is woken for each new push. */
const sticky = (key: WakeKey) => 'callId' in key;

export function createWorkerWaker(ns: DurableObjectNamespace<CallObject>, logger: Logger): WorkerWaker {
  let held = 0;
  const sends = createSends(logger);
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
        return await Promise.race([ns.getByName(wakeScope(key)).wait(key.topic, timeoutMs), aborted]);
      } catch (err) {
        // The object was reset (a deploy, an eviction) or overloaded: the caller re-reads the
        // state from D1 either way, so this is a timeout, after a pause.
        logger.warn('wait_object_failed', { error: (err as Error).name });
        await Promise.race([sleep(Math.min(RETRY_PAUSE_MS, Math.max(0, timeoutMs))), aborted]);
        return signal?.aborted ? 'aborted' : 'timeout';
      } finally {
        signal?.removeEventListener('abort', onAbort);
        held--;
      }
    },
    wake(key) {
      // Once more on failure (an object reset mid-call); after that its waiters time out and re-read.
      sends.send('wake', () => ns.getByName(wakeScope(key)).wake(key.topic, sticky(key)));
    },
    waiting: () => held,
    settled: () => sends.settled(),
  };
}
