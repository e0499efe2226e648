import type { Services } from '../kernel/index.js';

const DAY_MS = 86_400_000;
/** Calls per atomic unit: short enough that live traffic waits milliseconds, not seconds, for a write. */
export const PURGE_BATCH = 1_000;

export interface PurgeTotals {
  calls: number;
  events: number;
  otp_challenges: number;
  did_sessions: number;
  did_nonces: number;
  receipts: number;
}

/**
 * Retention (CALLGATE_RETENTION_DAYS): terminal calls and everything recorded about them, once
 * older than `days`, in batches with a yield to other work between them. Portable: Node runs it
 * hourly (runtime/node/server.ts); a Workers cron trigger can call the same function. `stop` is polled
 * between batches so shutdown need not wait for a long purge.
 */
export async function purgeRetired(
  s: Pick<Services, 'retention' | 'audit' | 'clock'>,
  days: number,
  opts: { batch?: number; stop?: () => boolean } = {},
): Promise<PurgeTotals | undefined> {
  if (days <= 0) return undefined; // 0: keep forever
  const batch = opts.batch ?? PURGE_BATCH;
  const now = s.clock.now();
  const before = now - days * DAY_MS;
  const totals: PurgeTotals = { calls: 0, events: 0, otp_challenges: 0, did_sessions: 0, did_nonces: 0, receipts: 0 };
  const pause = () => new Promise((resolve) => setTimeout(resolve, 0));
  for (;;) {
    const b = await s.retention.purgeCalls(before, batch);
    for (const k of Object.keys(b) as (keyof typeof b)[]) totals[k] += b[k];
    if (b.calls < batch || opts.stop?.()) break;
    await pause();
  }
  for (;;) {
    if (opts.stop?.()) break;
    const n = await s.retention.purgeNonces(before, batch);
    totals.did_nonces += n;
    if (n < batch) break;
    await pause();
  }
  if (Object.values(totals).some((n) => n > 0)) {
    await s.audit.record(null, 'retention_purged', s.clock.now(), { ...totals, retention_days: days, before: new Date(before).toISOString() });
  }
  return totals;
}
