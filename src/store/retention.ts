import { sql } from 'drizzle-orm';
import { literalLimit } from './sql.js';
import { runAtomic } from './atomic.js';
import type { Db } from './db.js';
import { calls } from './schema/calls.js';
import { otpChallenges } from '../factors/otp/schema.js';
import { didNonces, didSessions } from '../factors/did/schema.js';
import { webhookReceipts } from './schema/receipts.js';
import { events } from './schema/events.js';

/** What one purge batch deleted. */
export interface PurgedBatch {
  calls: number;
  events: number;
  otp_challenges: number;
  did_sessions: number;
  receipts: number;
}

/**
 * Retention in batches, so a large database is never locked for long: each batch is one atomic
 * unit over at most `limit` calls.
 */
export function createRetentionStore(db: Db) {
  return {
    /**
     * Deletes up to `limit` terminal calls last changed before `before`, with their events, codes,
     * DID sessions and recorded outcome. Live and pending calls are never touched.
     */
    async purgeCalls(before: number, limit: number): Promise<PurgedBatch> {
      // Every statement names the same batch by this subquery (nothing can be read between the
      // statements of a unit), and calls go last, so each statement sees the same rows. A call's
      // updated_at is never before its created_at, so the range on calls_created_idx bounds the scan.
      const batch = sql`(SELECT ${calls.id} FROM ${calls} WHERE ${calls.createdAt} < ${before} AND ${calls.updatedAt} < ${before}
        AND ${calls.status} IN ('ended', 'handed_off', 'blocked') ORDER BY ${calls.createdAt}, ${calls.id} LIMIT ${literalLimit(limit)})`;
      const [ev, otp, sessions, receipts, gone] = await runAtomic(db, [
        db.delete(events).where(sql`${events.callId} IN ${batch}`),
        db.delete(otpChallenges).where(sql`${otpChallenges.callId} IN ${batch}`),
        db.delete(didSessions).where(sql`${didSessions.callId} IN ${batch}`),
        // The once-only outcome of a post-call webhook (http/post-call.ts) is keyed by the call.
        db.delete(webhookReceipts).where(sql`${webhookReceipts.token} IN (SELECT 'elevenlabs:call_outcome:' || id FROM ${batch})`),
        db.delete(calls).where(sql`${calls.id} IN ${batch}`),
      ]);
      return { calls: gone!, events: ev!, otp_challenges: otp!, did_sessions: sessions!, receipts: receipts! };
    },
    /** Deletes up to `limit` DID nonces that expired before `before` (a nonce outlives its use by minutes). */
    async purgeNonces(before: number, limit: number): Promise<number> {
      // Oldest first by rowid (insertion order): no index on expires_at, so the scan stops early.
      const [n] = await runAtomic(db, [
        db.delete(didNonces).where(
          sql`rowid IN (SELECT rowid FROM ${didNonces} WHERE ${didNonces.expiresAt} < ${before} LIMIT ${literalLimit(limit)})`,
        ),
      ]);
      return n!;
    },
  };
}

export type RetentionStore = ReturnType<typeof createRetentionStore>;
