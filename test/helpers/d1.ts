// A stand-in for a Workers D1 binding over an in-memory better-sqlite3 database: a batch runs as
// one transaction, as D1 does, and a statement with more bound parameters than D1 takes fails.
import type Database from 'better-sqlite3';

/** D1's limit on bound parameters per query. */
export const D1_MAX_PARAMS = 100;

interface FakeStatement {
  bind(...params: unknown[]): FakeStatement;
  all(): Promise<unknown>;
  run(): Promise<unknown>;
  raw(): Promise<unknown[]>;
  first(): Promise<unknown>;
  exec(): { results: unknown[]; success: true; meta: { changes: number } };
}

export function fakeD1(sqlite: Database.Database, batches: string[][]) {
  const statement = (sql: string, params: unknown[] = []): FakeStatement => {
    const exec = () => {
      if (params.length > D1_MAX_PARAMS) throw new Error(`D1: too many SQL variables (${params.length})`);
      const st = sqlite.prepare(sql);
      if (st.reader) return { results: st.all(...params) as unknown[], success: true as const, meta: { changes: 0 } };
      return { results: [], success: true as const, meta: { changes: st.run(...params).changes } };
    };
    return {
      bind: (...p) => statement(sql, p),
      all: async () => exec(),
      run: async () => exec(),
      first: async () => exec().results[0] ?? null,
      raw: async () => {
        const st = sqlite.prepare(sql);
        return st.reader ? (st.raw(true).all(...params) as unknown[]) : (st.run(...params), []);
      },
      exec,
    };
  };
  return {
    prepare: (sql: string) => statement(sql),
    batch: async (stmts: FakeStatement[]) => {
      batches.push(stmts.map(() => 'statement'));
      return sqlite.transaction(() => stmts.map((s) => s.exec()))();
    },
  };
}

