// Calls to a call's Durable Object that the request does not wait for (a wake, a timer): each is
// tried once more on failure (an object reset mid-call), kept alive past the answer with
// waitUntil, and tracked so the cron, an alarm and the tests can wait until they have landed.
import { waitUntil } from 'cloudflare:workers';
import type { Logger } from '../../kernel/ports.js';

export interface Sends {
  send(what: string, call: () => Promise<unknown>): void;
  /** Resolves once every call sent from this isolate has reached its object (or given up). */
  settled(): Promise<void>;
}

export function createSends(logger: Logger): Sends {
  const sending = new Set<Promise<unknown>>();
  return {
    send(what, call) {
      const sent: Promise<unknown> = call()
        .catch(call)
        .catch((err: unknown) => logger.error(`${what}_failed`, { error: (err as Error).name }))
        .finally(() => sending.delete(sent));
      sending.add(sent);
      // The request that committed the change may answer before the call arrives.
      waitUntil(sent);
    },
    async settled() {
      while (sending.size) await Promise.all([...sending]);
    },
  };
}
