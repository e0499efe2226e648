import type { Db } from './db.js';

interface Runnable {
  run(): unknown;
}

export interface AtomicOptions {
  /**
   * Called after statement `i` ran, inside the transaction (fault injection). Node only: a D1
   * batch runs on the database side in one go, so there is no "between" there to call it in.
   */
  afterEach?: (i: number) => void;
}

/** Rows a statement changed: better-sqlite3 answers `{ changes }`, D1 `{ meta: { changes } }`. */
function changesOf(result: unknown): number {
  const r = result as { changes?: unknown; meta?: { changes?: unknown } } | undefined;
  const n = r?.changes ?? r?.meta?.changes;
  return typeof n === 'number' ? n : Number(n ?? 0);
}

/**
 * Runs several statements as one all-or-nothing unit, portably: D1 has only `batch`, and
 * better-sqlite3 accepts only a synchronous transaction callback.
 * Nothing can be read between the statements, so any condition one of them depends on must be
 * written into its own SQL. Resolves to the number of rows each statement changed.
 */
export async function runAtomic(db: Db, statements: Runnable[], opts: AtomicOptions = {}): Promise<number[]> {
  const anyDb = db as unknown as {
    batch?: (s: Runnable[]) => Promise<unknown[]>;
    transaction: (fn: () => number[]) => number[];
  };
  if (typeof anyDb.batch === 'function') {
    return (await anyDb.batch(statements)).map(changesOf);
  }
  return anyDb.transaction(() =>
    statements.map((s, i) => {
      const changed = changesOf(s.run());
      opts.afterEach?.(i);
      return changed;
    }),
  );
}
