import type { Db } from './db.js';

interface Runnable {
  run(): unknown;
}

/**
 * Runs several statements as one all-or-nothing unit, portably: D1 has only `batch`, and
 * better-sqlite3 accepts only a synchronous transaction callback.
 * For rare multi-row writes (enrolment); state transitions stay single conditional statements.
 */
export async function runAtomic(db: Db, statements: Runnable[]): Promise<void> {
  const anyDb = db as unknown as {
    batch?: (s: Runnable[]) => Promise<unknown>;
    transaction: (fn: () => void) => unknown;
  };
  if (typeof anyDb.batch === 'function') {
    await anyDb.batch(statements);
    return;
  }
  anyDb.transaction(() => {
    for (const s of statements) s.run();
  });
}
