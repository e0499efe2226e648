// The periodic work the Node server runs on timers (src/runtime/node/server.ts), as Cron Triggers: the
// app's periodic tasks on the cron nearest their period (a factor's sub-minute sweep every minute),
// and hourly retention and interrupted transfers.
import { purgeRetired } from '../../orchestrator/retention.js';
import { createLedgerStore } from '../../store/ledger.js';
import type { WorkerRuntime } from './boot.js';

/** The crons of wrangler.toml. */
export const EVERY_MINUTE = '* * * * *';
export const HOURLY = '0 * * * *';
const HOUR_MS = 3_600_000;

/** Runs the sweeps a cron expression stands for; each one logs its own failure and the others run. */
export async function runSweeps(rt: WorkerRuntime, cron: string): Promise<void> {
  const { services, logger } = rt;
  const guarded = (name: string, work: () => Promise<unknown>) =>
    work().catch((err: unknown) => logger.error(`${name}_failed`, { error: (err as Error).name }));
  // The safety net of the calls' alarms: a session or push whose alarm gave up still expires.
  for (const task of rt.periodic) {
    if ((task.everyMs < HOUR_MS ? EVERY_MINUTE : HOURLY) === cron) await guarded(task.name, () => task.run(services));
  }
  if (cron === HOURLY) {
    await guarded('retention_purge', () => purgeRetired(services, rt.config.retentionDays));
    // A D1 batch commits whole or not at all, so a pending transfer is one from an older code
    // path; it gets its terminal answer, as the Node server gives it at start.
    await guarded('ledger_recovery', async () => {
      for (const t of await createLedgerStore(rt.db).recoverInterrupted()) {
        logger.warn('ledger_transfer_interrupted', { transfer_id: t.id, amount_cents: t.amountCents });
      }
    });
  }
  await rt.settle();
}
