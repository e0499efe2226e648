import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../store/db.js';
import { firstRow, literalLimit } from '../../store/sql.js';
import { calls, type CallRow } from '../../store/schema/calls.js';
import { didNonces, didSessions, type DidProvider } from './schema.js';

export type DidSession = typeof didSessions.$inferSelect;
type NewDidSession = typeof didSessions.$inferInsert;
const p = sql.placeholder;
// Written into the statement, not bound: the partial UNIQUE indexes are `WHERE status = 'pending'`,
// and a bound status would make SQLite re-prepare the statement on every execution to decide
// whether those indexes apply.
const isPending = sql`${didSessions.status} = 'pending'`;

/**
 * DID sessions as a state machine in SQL: pending → confirmed | timeout | canceled. Each transition
 * names 'pending' in its WHERE clause, so a terminal session never changes, whatever arrives later.
 */
export function createDidStore(db: Db) {
  const byId = db.select().from(didSessions).where(eq(didSessions.id, p('id'))).prepare();
  const pendingByCall = db
    .select()
    .from(didSessions)
    .where(and(eq(didSessions.provider, p('provider')), eq(didSessions.callRef, p('callRef')), isPending))
    .prepare();
  const pendingByDid = db
    .select()
    .from(didSessions)
    .where(and(eq(didSessions.did, p('did')), isPending))
    .prepare();
  const latestForCall = db
    .select()
    .from(didSessions)
    .where(eq(didSessions.callId, p('callId')))
    .orderBy(desc(didSessions.createdAt), desc(didSessions.attempt))
    .limit(literalLimit(1))
    .prepare();
  const latestForRef = db
    .select()
    .from(didSessions)
    .where(and(eq(didSessions.provider, p('provider')), eq(didSessions.callRef, p('callRef'))))
    .orderBy(desc(didSessions.attempt))
    .limit(literalLimit(1))
    .prepare();

  const pendingForCustomer = db
    .select({ session: didSessions, call: calls })
    .from(didSessions)
    .innerJoin(calls, eq(calls.id, didSessions.callId))
    .where(and(eq(calls.customerId, p('customerId')), isPending))
    .limit(literalLimit(10))
    .prepare();

  const pendingForCall = db.select().from(didSessions).where(and(eq(didSessions.callId, p('callId')), isPending)).prepare();

  // Confirmed only while the call claims nobody or the device's customer, read in the same statement.
  const confirm = db
    .update(didSessions)
    .set({ status: 'confirmed', confirmedDeviceId: p('deviceId') as never, resolvedAt: p('now') as never })
    .where(
      and(
        eq(didSessions.id, p('id')),
        isPending,
        sql`${didSessions.expiresAt} > ${p('now')}`,
        sql`coalesce((SELECT ${calls.customerId} FROM ${calls} WHERE ${calls.id} = ${didSessions.callId}), ${p('customerId')}) = ${p('customerId')}`,
      ),
    )
    .returning()
    .prepare();
  const cancel = db
    .update(didSessions)
    .set({ status: 'canceled', resolvedAt: p('now') as never })
    .where(and(eq(didSessions.id, p('id')), isPending))
    .returning()
    .prepare();
  const expire = db
    .update(didSessions)
    .set({ status: 'timeout', resolvedAt: p('now') as never })
    .where(and(eq(didSessions.id, p('id')), isPending, sql`${didSessions.expiresAt} <= ${p('now')}`))
    .returning()
    .prepare();
  const claimIntercept = db
    .update(didSessions)
    .set({ interceptStatus: 'pending' })
    .where(and(eq(didSessions.id, p('id')), eq(didSessions.status, 'confirmed'), eq(didSessions.interceptStatus, 'none')))
    .returning()
    .prepare();
  const finishIntercept = db
    .update(didSessions)
    .set({ interceptStatus: p('to') as never })
    .where(and(eq(didSessions.id, p('id')), eq(didSessions.interceptStatus, 'pending')))
    .prepare();

  const insertNonce = db
    .insert(didNonces)
    .values({ nonce: p('nonce'), sessionId: p('sessionId'), deviceId: p('deviceId'), createdAt: p('now'), expiresAt: p('expiresAt') })
    .prepare();
  // Single use: only the first confirmation presenting this nonce, for this session and device, gets the row.
  const useNonce = db
    .update(didNonces)
    .set({ usedAt: p('now') as never })
    .where(
      and(
        eq(didNonces.nonce, p('nonce')),
        eq(didNonces.sessionId, p('sessionId')),
        eq(didNonces.deviceId, p('deviceId')),
        sql`${didNonces.usedAt} IS NULL`,
        sql`${didNonces.expiresAt} > ${p('now')}`,
      ),
    )
    .returning()
    .prepare();



  return {
    async get(id: string) {
      return (await byId.get({ id })) as DidSession | undefined;
    },
    async pendingByCall(provider: DidProvider, callRef: string) {
      return (await pendingByCall.get({ provider, callRef })) as DidSession | undefined;
    },
    async pendingByDid(did: string) {
      return (await pendingByDid.get({ did })) as DidSession | undefined;
    },
    async latestForCall(callId: string) {
      return (await latestForCall.get({ callId })) as DidSession | undefined;
    },
    async latestForRef(provider: DidProvider, callRef: string) {
      return (await latestForRef.get({ provider, callRef })) as DidSession | undefined;
    },
    /** Pending sessions on calls already claimed by this customer. */
    /** A customer's pending sessions, each with its call (read in the same join). */
    async pendingForCustomer(customerId: string): Promise<{ session: DidSession; call: CallRow }[]> {
      return (await pendingForCustomer.all({ customerId })) as { session: DidSession; call: CallRow }[];
    },
    /** Every pending session proving a factor for this call (any provider). */
    async pendingForCall(callId: string): Promise<DidSession[]> {
      return (await pendingForCall.all({ callId })) as DidSession[];
    },
    /** Inserts unless a pending session exists for the call, or the DID is taken by another pending session. */
    async insertPending(s: NewDidSession): Promise<DidSession | undefined> {
      return firstRow<DidSession>(await db.insert(didSessions).values(s).onConflictDoNothing().returning());
    },
    /** pending → confirmed by a device of `customerId`, unless the call now claims someone else. */
    async confirm(id: string, deviceId: string, customerId: string, now: number) {
      return firstRow<DidSession>(await confirm.all({ id, deviceId, customerId, now }));
    },
    async cancel(id: string, now: number) {
      return firstRow<DidSession>(await cancel.all({ id, now }));
    },
    /** pending → timeout, only once the TTL has passed. */
    async expire(id: string, now: number) {
      return firstRow<DidSession>(await expire.all({ id, now }));
    },
    /** Times out every overdue pending session (bounded batch); returns the ones this call moved. */
    async sweep(now: number, limit = 500): Promise<DidSession[]> {
      return (await db
        .update(didSessions)
        .set({ status: 'timeout', resolvedAt: now })
        .where(
          sql`${didSessions.id} IN (SELECT id FROM did_sessions WHERE status = 'pending' AND expires_at <= ${now} LIMIT ${limit})
              AND ${didSessions.status} = 'pending'`,
        )
        .returning()) as DidSession[];
    },
    /** Exactly one caller gets to redirect a confirmed call. */
    async claimIntercept(id: string) {
      return firstRow<DidSession>(await claimIntercept.all({ id }));
    },
    async finishIntercept(id: string, to: 'succeeded' | 'failed') {
      await finishIntercept.run({ id, to });
    },
    async issueNonce(n: { nonce: string; sessionId: string; deviceId: string; now: number; expiresAt: number }) {
      await insertNonce.run(n);
    },
    async useNonce(nonce: string, sessionId: string, deviceId: string, now: number) {
      return firstRow<typeof didNonces.$inferSelect>(await useNonce.all({ nonce, sessionId, deviceId, now }));
    },
  };
}

export type DidStore = ReturnType<typeof createDidStore>;
