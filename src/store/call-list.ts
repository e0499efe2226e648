import { and, desc, eq, gte, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db.js';
import { literalLimit } from './sql.js';
import { calls, type CallRow, type CallStatus } from './schema/calls.js';

/** A page of GET /admin/calls: newest first; `after` is the last (created_at, id) of the page before. */
export interface CallListFilter {
  status?: CallStatus | undefined;
  since?: number | undefined;
  customerId?: string | undefined;
  after?: { createdAt: number; id: string } | undefined;
  limit: number;
}

/**
 * Calls newest first, keyset-paged on (created_at, id): a call inserted while an operator pages
 * sorts before the page they are on, so no row is repeated or skipped.
 */
export async function listCalls(db: Db, f: CallListFilter): Promise<CallRow[]> {
  const where: SQL[] = [];
  if (f.status) where.push(eq(calls.status, f.status));
  // Always a range on created_at: with a status filter alone SQLite would otherwise scan and
  // sort the whole table rather than walk calls_created_idx newest first.
  where.push(gte(calls.createdAt, f.since ?? 0));
  if (f.customerId) where.push(eq(calls.customerId, f.customerId));
  // A row value, so SQLite reads it as one range on calls_created_idx.
  if (f.after) where.push(sql`(${calls.createdAt}, ${calls.id}) < (${f.after.createdAt}, ${f.after.id})`);
  return (await db
    .select()
    .from(calls)
    .where(and(...where))
    .orderBy(desc(calls.createdAt), desc(calls.id))
    .limit(literalLimit(f.limit))) as CallRow[];
}
