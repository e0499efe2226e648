/**
 * A call's deadlines (a DID's TTL, a push's expiry, the fraud screen's wait), made to happen on
 * time even when nobody polls. A factor names its timer kinds and their handlers in its module
 * (`timers` in factor.ts) and asks for one with `at`; the runtime calls the handler when it is
 * due. In-process timers on Node; the call's Durable Object keeps them as alarms on Workers.
 *
 * Delivery is at least once and may be late: a timer can be lost with a process (Node restarts)
 * or run twice (an alarm retried). So a handler performs a conditional transition on what SQL
 * says now (a session still pending and past its expiry times out), does nothing otherwise, and
 * each factor keeps a periodic sweep as the safety net.
 */
import type { Clock, Logger } from './ports.js';

export interface Timers {
  /** Runs `kind`'s handler with `ref` once `dueAt` (ms since the epoch) has come. */
  at(callId: string, kind: string, dueAt: number, ref: string): void;
}

/** What a runtime calls when a timer is due: the handler of `kind`, with the app's services. */
export type RunTimer = (kind: string, ref: string) => Promise<void>;

interface Entry {
  kind: string;
  ref: string;
  dueAt: number;
  handle?: ReturnType<typeof setTimeout> | undefined;
}

/** setTimeout's longest delay; a later timer is re-armed when this one fires. */
const MAX_DELAY_MS = 2_147_483_647;

export interface LocalTimers extends Timers {
  /** Runs every timer due by the clock now; answers how many ran. */
  runDue(): Promise<number>;
  /** Timers not yet run. */
  pending(): number;
  /** Drops every timer (the server is shutting down; its sweep catches up after a restart). */
  stop(): void;
}

/**
 * The in-process timers of the Node server: one unref'd timer per entry (a process does not stay
 * up for them), measured on the app's clock. `manual`: no OS timer at all, the caller runs
 * `runDue()` (tests that move a fake clock by hand).
 */
export function createLocalTimers(clock: Clock, run: RunTimer, logger: Logger, opts: { manual?: boolean } = {}): LocalTimers {
  const entries = new Map<string, Entry>();
  const fire = async (key: string, e: Entry) => {
    if (entries.get(key) !== e) return;
    if (e.dueAt > clock.now()) return arm(key, e);
    entries.delete(key);
    await run(e.kind, e.ref).catch((err: unknown) => logger.error('timer_failed', { kind: e.kind, error: (err as Error).name }));
  };
  const arm = (key: string, e: Entry) => {
    if (opts.manual) return;
    e.handle = setTimeout(() => void fire(key, e), Math.min(MAX_DELAY_MS, Math.max(0, e.dueAt - clock.now())));
    (e.handle as { unref?: () => void }).unref?.();
  };
  return {
    at(callId, kind, dueAt, ref) {
      const key = `${callId}\u0000${kind}\u0000${ref}`;
      const previous = entries.get(key);
      if (previous) clearTimeout(previous.handle);
      const e: Entry = { kind, ref, dueAt };
      entries.set(key, e);
      arm(key, e);
    },
    async runDue() {
      const now = clock.now();
      const due = [...entries].filter(([, e]) => e.dueAt <= now);
      for (const [key, e] of due) {
        clearTimeout(e.handle);
        await fire(key, e);
      }
      return due.length;
    },
    pending: () => entries.size,
    stop() {
      for (const e of entries.values()) clearTimeout(e.handle);
      entries.clear();
    },
  };
}
