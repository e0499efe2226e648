// Calls to a call's Durable Object that the request does not wait for (a wake, a timer): each is
// tried once more on failure (an object reset mid-call), kept alive past the answer with
// waitUntil, and tracked so the cron, an alarm and the tests can wait until they have landed.
import { waitUntil } from 'cloudflare:workers';
import type { Logger } from '../../kernel/ports.js';

export interface Sends {
  send(what: string, call: () => Promise<unknown>): void;
  /** Resolves once every call sent from this isolate so far has reached its object (or given up); a send that keeps arriving under load is not waited for beyond three rounds. */
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
      // A few rounds at most: under steady load new sends keep arriving, and an alarm waiting for
      // all of them would never re-arm.
      for (let round = 0; round < 3 && sending.size > 0; round++) await Promise.all([...sending]);
    },
  };
}
