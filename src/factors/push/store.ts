import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../store/db.js';
import { firstRow, literalLimit, paramColumn } from '../../store/sql.js';
import { calls } from '../../store/schema/calls.js';
import { devices } from '../../store/schema/customers.js';
import { pushChallenges, pushDevices, pushPauses, type PushStatus, type PushTarget, type PushTransport } from './schema.js';

export type PushChallenge = typeof pushChallenges.$inferSelect;
export type PushDevice = typeof pushDevices.$inferSelect;

/** What a new push needs besides its row: the limits its insert checks in the same statement. */
export interface NewPush {
  id: string;
  callId: string;
  customerId: string;
  deviceId: string;
  number: string;
  choices: string[];
  callBinding: string;
  nonce: string;
  now: number;
  expiresAt: number;
  /** Pushes to the customer in the sliding window, across calls, before the next is refused. */
  perCustomer: { max: number; windowMs: number };
  /** Pushes on this call before the next is refused. */
  maxPerCall: number;
}

/** Why the next push would be refused (or undefined: it may go), read in one statement. */
export interface PushState {
  /** The device a push goes to: the customer's most recently registered one whose key is still enrolled. */
  device: PushDevice | undefined;
  latest: PushChallenge | undefined;
  sentOnCall: number;
  sentInWindow: number;
  pausedUntil: number | null;
  /** A pending push for the customer on any call (at most one, by the UNIQUE index). */
  pendingElsewhere: boolean;
}

const p = sql.placeholder;
// Written into the statement, not bound: the partial UNIQUE index is `WHERE status = 'pending'`.
const isPending = sql`${pushChallenges.status} = 'pending'`;
/** A push device counts only while its key is enrolled for the same customer (a removed device is inert). */
const enrolled = sql`EXISTS (SELECT 1 FROM ${devices} WHERE ${devices.id} = ${pushDevices.deviceId} AND ${devices.customerId} = ${pushDevices.customerId})`;

/**
 * Push approvals as a state machine in SQL. Every transition is one conditional UPDATE naming
 * 'pending', so of any number of concurrent answers one wins and terminal states never change.
 */
export function createPushStore(db: Db) {
  const byId = db.select().from(pushChallenges).where(eq(pushChallenges.id, p('id'))).prepare();
  const latestForCall = db
    .select()
    .from(pushChallenges)
    .where(eq(pushChallenges.callId, p('callId')))
    .orderBy(desc(pushChallenges.createdAt), desc(pushChallenges.id))
    .limit(literalLimit(1))
    .prepare();
  const deviceFor = db
    .select()
    .from(pushDevices)
    .where(and(eq(pushDevices.customerId, p('customerId')), enrolled))
    .orderBy(desc(pushDevices.updatedAt))
    .limit(literalLimit(1))
    .prepare();
  const deviceById = db.select().from(pushDevices).where(and(eq(pushDevices.deviceId, p('deviceId')), enrolled)).prepare();
  // Everything an offer or a send needs to know, one statement (a next step is a hot path).
  const counts = db
    .select({
      sentOnCall: sql<number>`(SELECT count(*) FROM push_challenges WHERE call_id = ${p('callId')})`,
      sentInWindow: sql<number>`(SELECT count(*) FROM push_challenges WHERE customer_id = ${p('customerId')} AND created_at > ${p('since')})`,
      pausedUntil: sql<number | null>`(SELECT until FROM push_pauses WHERE customer_id = ${p('customerId')} AND until > ${p('now')})`,
      pendingElsewhere: sql<number>`EXISTS (SELECT 1 FROM push_challenges WHERE customer_id = ${p('customerId')} AND status = 'pending' AND expires_at > ${p('now')} AND call_id != ${p('callId')})`,
    })
    .from(sql`(SELECT 1)`)
    .prepare();
  const pendingForDevice = db
    .select()
    .from(pushChallenges)
    .where(and(eq(pushChallenges.deviceId, p('deviceId')), isPending, sql`${pushChallenges.expiresAt} > ${p('now')}`))
    .orderBy(desc(pushChallenges.createdAt))
    .limit(literalLimit(5))
    .prepare();

  // A push is inserted only if every limit allows it, decided in the statement itself: the call
  // still claims the customer, the customer is not paused, the per-call and per-customer counts
  // are under their caps; the partial UNIQUE index refuses a second pending push for the customer.
  const insertIfAllowed = db
    .insert(pushChallenges)
    .select((qb) =>
      qb
        .select({
          id: paramColumn('id'),
          callId: calls.id,
          customerId: paramColumn('customerId'),
          deviceId: paramColumn('deviceId'),
          number: paramColumn('number'),
          choices: paramColumn('choices'),
          callBinding: paramColumn('callBinding'),
          nonce: paramColumn('nonce'),
          status: sql`'pending'`.as('status'),
          chosen: sql`NULL`.as('chosen'),
          createdAt: paramColumn('now'),
          expiresAt: paramColumn('expiresAt'),
          resolvedAt: sql`NULL`.as('resolved_at'),
        })
        .from(calls)
        .where(
          and(
            eq(calls.id, p('callId')),
            eq(calls.customerId, p('customerId')),
            sql`${calls.status} IN ('pending', 'authenticated')`,
            sql`NOT EXISTS (SELECT 1 FROM push_pauses WHERE customer_id = ${p('customerId')} AND until > ${p('now')})`,
            sql`(SELECT count(*) FROM push_challenges WHERE call_id = ${p('callId')}) < ${p('maxPerCall')}`,
            sql`(SELECT count(*) FROM (SELECT 1 FROM push_challenges WHERE customer_id = ${p('customerId')} AND created_at > ${p('since')} LIMIT ${p('max')})) < ${p('max')}`,
          ),
        ),
    )
    .onConflictDoNothing()
    .returning()
    .prepare();

  // Approved only with the challenge's nonce, before it expires, while the call is live and still
  // claims the customer the push was issued for (read in the same statement).
  const approve = db
    .update(pushChallenges)
    .set({ status: 'approved', chosen: p('chosen') as never, resolvedAt: p('now') as never })
    .where(
      and(
        eq(pushChallenges.id, p('id')),
        isPending,
        eq(pushChallenges.nonce, p('nonce')),
        sql`${pushChallenges.expiresAt} > ${p('now')}`,
        sql`EXISTS (SELECT 1 FROM ${calls} WHERE ${calls.id} = ${pushChallenges.callId} AND ${calls.customerId} = ${pushChallenges.customerId}
                AND ${calls.status} IN ('pending', 'authenticated'))`,
      ),
    )
    .returning()
    .prepare();
  // A wrong number or a denial: any pending challenge with its nonce (a denial is a report, even late).
  const answer = db
    .update(pushChallenges)
    .set({ status: p('to') as never, chosen: p('chosen') as never, resolvedAt: p('now') as never })
    .where(and(eq(pushChallenges.id, p('id')), isPending, eq(pushChallenges.nonce, p('nonce'))))
    .returning()
    .prepare();
  const cancel = db
    .update(pushChallenges)
    .set({ status: 'canceled', resolvedAt: p('now') as never })
    .where(and(eq(pushChallenges.id, p('id')), isPending))
    .returning()
    .prepare();
  const expire = db
    .update(pushChallenges)
    .set({ status: 'expired', resolvedAt: p('now') as never })
    .where(and(eq(pushChallenges.id, p('id')), isPending, sql`${pushChallenges.expiresAt} <= ${p('now')}`))
    .returning()
    .prepare();

  return {
    async get(id: string) {
      return (await byId.get({ id })) as PushChallenge | undefined;
    },
    async latestForCall(callId: string) {
      return (await latestForCall.get({ callId })) as PushChallenge | undefined;
    },
    /** The device a push to the customer goes to, if any registered for pushes. */
    async deviceFor(customerId: string) {
      return (await deviceFor.get({ customerId })) as PushDevice | undefined;
    },
    async device(deviceId: string) {
      return (await deviceById.get({ deviceId })) as PushDevice | undefined;
    },
    async state(callId: string, customerId: string, windowMs: number, now: number): Promise<PushState> {
      const [device, latest, c] = await Promise.all([
        this.deviceFor(customerId),
        this.latestForCall(callId),
        counts.get({ callId, customerId, since: now - windowMs, now }) as Promise<{ sentOnCall: number; sentInWindow: number; pausedUntil: number | null; pendingElsewhere: number }>,
      ]);
      return { device, latest, sentOnCall: c.sentOnCall, sentInWindow: c.sentInWindow, pausedUntil: c.pausedUntil, pendingElsewhere: Boolean(c.pendingElsewhere) };
    },
    /** Registers (or re-registers) a device for pushes; its key must be enrolled for the customer. */
    async register(d: { deviceId: string; customerId: string; transport: PushTransport; target: PushTarget | null; now: number }) {
      await db
        .insert(pushDevices)
        .values({ deviceId: d.deviceId, customerId: d.customerId, transport: d.transport, target: d.target, createdAt: d.now, updatedAt: d.now })
        .onConflictDoUpdate({ target: pushDevices.deviceId, set: { transport: d.transport, target: d.target, updatedAt: d.now } });
    },
    /** A push service said the subscription is gone (404/410): the device keeps the pull channel. */
    /** Drops a target the push service called gone, only if it is still the device's (the app may have re-registered meanwhile). */
    async dropTarget(deviceId: string, address: string, now: number) {
      await db
        .update(pushDevices)
        .set({ transport: 'pull', target: null, updatedAt: now })
        .where(and(eq(pushDevices.deviceId, deviceId), sql`json_extract(${pushDevices.target}, '$.address') = ${address}`));
    },
    /** Inserts a pending push if every limit allows it; undefined when one refused it. */
    async insertIfAllowed(n: NewPush): Promise<PushChallenge | undefined> {
      const { perCustomer, maxPerCall, choices, ...values } = n;
      return firstRow<PushChallenge>(
        await insertIfAllowed.all({
          ...values,
          choices: JSON.stringify(choices),
          maxPerCall,
          max: perCustomer.max,
          since: n.now - perCustomer.windowMs,
        }),
      );
    },
    async pendingForDevice(deviceId: string, now: number) {
      return (await pendingForDevice.all({ deviceId, now })) as PushChallenge[];
    },
    /** Every pending push of the customer (there is at most one; a list, so a cancel never misses one). */
    async pendingForCustomer(customerId: string) {
      return (await db.select().from(pushChallenges).where(and(eq(pushChallenges.customerId, customerId), isPending))) as PushChallenge[];
    },
    async approve(id: string, nonce: string, chosen: string, now: number) {
      return firstRow<PushChallenge>(await approve.all({ id, nonce, chosen, now }));
    },
    /** pending → rejected (a wrong number) or denied ("this wasn't me"). */
    async answer(id: string, nonce: string, to: Extract<PushStatus, 'rejected' | 'denied'>, chosen: string | null, now: number) {
      return firstRow<PushChallenge>(await answer.all({ id, nonce, to, chosen, now }));
    },
    async cancel(id: string, now: number) {
      return firstRow<PushChallenge>(await cancel.all({ id, now }));
    },
    async expire(id: string, now: number) {
      return firstRow<PushChallenge>(await expire.all({ id, now }));
    },
    /** Expires the customer's overdue pending push, if any (it would otherwise hold the one-pending slot). */
    async expireOverdueFor(customerId: string, now: number): Promise<PushChallenge[]> {
      return (await db
        .update(pushChallenges)
        .set({ status: 'expired', resolvedAt: now })
        .where(and(eq(pushChallenges.customerId, customerId), isPending, sql`${pushChallenges.expiresAt} <= ${now}`))
        .returning()) as PushChallenge[];
    },
    /** Expires every overdue pending push (bounded batch); returns the ones this call moved. */
    async sweep(now: number, limit = 500): Promise<PushChallenge[]> {
      return (await db
        .update(pushChallenges)
        .set({ status: 'expired', resolvedAt: now })
        .where(
          sql`${pushChallenges.id} IN (SELECT id FROM push_challenges WHERE status = 'pending' AND expires_at <= ${now} LIMIT ${limit})
              AND ${pushChallenges.status} = 'pending'`,
        )
        .returning()) as PushChallenge[];
    },
    /** Pauses pushes to the customer until `until` (a longer pause already in force is kept). */
    async pause(customerId: string, until: number, challengeId: string, now: number) {
      await db
        .insert(pushPauses)
        .values({ customerId, until, challengeId, createdAt: now })
        .onConflictDoUpdate({ target: pushPauses.customerId, set: { until: sql`max(${pushPauses.until}, excluded.until)`, challengeId, createdAt: now } });
    },
  };
}

export type PushStore = ReturnType<typeof createPushStore>;
