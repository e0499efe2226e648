import { desc, gte, sql } from 'drizzle-orm';
import type { Db } from '../store/db.js';
import { calls, type CallRow } from '../store/schema/calls.js';
import { literalLimit } from '../store/sql.js';

// The calls page in one statement: the newest calls by calls_created_idx, each with what it is
// waiting on read by correlated subqueries on the per-call indexes (did_sessions_call_idx,
// otp_challenges_call_idx) — a handful of index probes per row, no scan.

export interface Pending {
  status: string;
  expiresAt: number;
}

export interface CallListRow {
  call: CallRow;
  /** The call's newest DID session (any provider, the operator's included). */
  did: Pending | null;
  /** The call's newest one-time-code challenge. */
  otp: Pending | null;
}

/** "status expires_at" → {status, expiresAt}. */
function pending(v: unknown): Pending | null {
  if (typeof v !== 'string') return null;
  const [status, at] = v.split(' ');
  return status && at ? { status, expiresAt: Number(at) } : null;
}

// Written out: inside a selected expression drizzle names a column without its table, which in a
// subquery would mean the subquery's own table.
const outerId = sql.raw('"calls"."id"');

export async function recentCalls(db: Db, since: number, limit: number): Promise<CallListRow[]> {
  const rows = await db
    .select({
      call: calls,
      did: sql<string | null>`(SELECT status || ' ' || expires_at FROM did_sessions WHERE did_sessions.call_id = ${outerId}
        ORDER BY did_sessions.created_at DESC, did_sessions.attempt DESC LIMIT 1)`,
      otp: sql<string | null>`(SELECT status || ' ' || expires_at FROM otp_challenges WHERE otp_challenges.call_id = ${outerId}
        ORDER BY otp_challenges.created_at DESC LIMIT 1)`,
    })
    .from(calls)
    .where(gte(calls.createdAt, since))
    .orderBy(desc(calls.createdAt), desc(calls.id))
    .limit(literalLimit(limit));
  return rows.map((r) => ({ call: r.call as CallRow, did: pending(r.did), otp: pending(r.otp) }));
}
