import { sql } from 'drizzle-orm';

/**
 * A LIMIT written into the statement instead of bound. drizzle binds `.limit(n)` as a parameter,
 * and with a bound LIMIT SQLite cannot plan `ORDER BY … LIMIT` as a top-n (measured: 4× slower
 * on a hot read). drizzle embeds an SQL object as is; the cast only satisfies `.limit()`'s type.
 */
export const literalLimit = (n: number): number => {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('limit must be a non-negative integer');
  return sql.raw(String(n)) as unknown as number;
};

/** The row a conditional `UPDATE … RETURNING` (or a keyed read) gave back, if any. */
export const firstRow = <T>(rows: unknown): T | undefined => (rows as T[])[0];

/** A UNIQUE constraint refused the write (the same text on better-sqlite3 and D1). */
export const isUniqueViolation = (err: unknown): boolean => String((err as Error)?.message).includes('UNIQUE');

/** A bound parameter selected as a column (`INSERT … SELECT :id AS id, …`), for conditional inserts. */
export const paramColumn = (name: string) => sql`${sql.placeholder(name)}`.as(name);
