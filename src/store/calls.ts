import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { listCalls, type CallListFilter } from './call-list.js';
import { firstRow, isUniqueViolation } from './sql.js';
import { calls, type CallRow, type CallStatus } from './schema/calls.js';

/** Statuses a factor, signal or identification may still change. */
export const LIVE: CallStatus[] = ['pending', 'authenticated'];

export interface NewCall {
  id: string;
  source: 'initiation' | 'tool' | 'ivr';
  agentId?: string | null;
  calledNumber?: string | null;
  callerId?: string | null;
  policyId: string;
  policyVersion: number;
  customerId?: string | null;
  identifiedBy?: CallRow['identifiedBy'];
  candidates?: string[];
  signals?: Record<string, boolean | string | number>;
  now: number;
}

const p = sql.placeholder;
const live = inArray(calls.status, LIVE);
/** `json_set(col, '$.<key>', value)`: one factor's entry of a JSON map column. */
const jsonKey = (key: string) => sql`'$.' || ${p(key)}`;

/**
 * The auth_state table. Every method that changes a call is a single UPDATE whose WHERE clause
 * names the states it may start from: zero rows returned means another request won, or the call
 * is terminal, and the caller re-reads.
 */
export function createCallStore(db: Db) {
  const byId = db.select().from(calls).where(eq(calls.id, p('id'))).prepare();
  const byConversation = db.select().from(calls).where(eq(calls.conversationId, p('conversationId'))).prepare();

  const insert = db
    .insert(calls)
    .values({
      id: p('id'),
      source: p('source'),
      agentId: p('agentId'),
      calledNumber: p('calledNumber'),
      callerId: p('callerId'),
      policyId: p('policyId'),
      policyVersion: p('policyVersion'),
      customerId: p('customerId'),
      identifiedBy: p('identifiedBy'),
      candidates: p('candidates'),
      signals: p('signals'),
      createdAt: p('now'),
      updatedAt: p('now'),
    })
    .onConflictDoNothing({ target: calls.id })
    .returning()
    .prepare();

  // Calls from one caller ID created up to and including this one within the window: insertion
  // order (rowid) ranks them, so concurrent creations each get a distinct count.
  // The count stops at `upTo`, so a number flooding calls costs O(limit) per call, not O(calls).
  const rankFromCaller = db
    .select({ n: sql<number>`count(*)` })
    .from(
      sql`(SELECT 1 FROM ${calls} WHERE ${calls.callerId} = ${p('callerId')} AND ${calls.createdAt} > ${p('since')}
        AND rowid <= (SELECT rowid FROM ${calls} WHERE ${calls.id} = ${p('id')}) LIMIT ${p('upTo')})`,
    )
    .prepare();

  const bindConversation = db
    .update(calls)
    .set({ conversationId: p('conversationId') as never, updatedAt: p('now') as never })
    .where(and(eq(calls.id, p('id')), isNull(calls.conversationId)))
    .returning()
    .prepare();

  const recordSuccess = db
    .update(calls)
    .set({
      successes: sql`json_set(${calls.successes}, ${jsonKey('factor')}, ${p('at')})`,
      updatedAt: p('at') as never,
    })
    .where(and(eq(calls.id, p('id')), live, eq(calls.customerId, p('customerId'))))
    .returning()
    .prepare();

  const reserveAttempt = db
    .update(calls)
    .set({
      attempts: sql`json_set(${calls.attempts}, ${jsonKey('factor')}, coalesce(json_extract(${calls.attempts}, ${jsonKey('factor')}), 0) + 1)`,
      updatedAt: p('now') as never,
    })
    .where(
      and(eq(calls.id, p('id')), live, sql`coalesce(json_extract(${calls.attempts}, ${jsonKey('factor')}), 0) < ${p('max')}`),
    )
    .returning()
    .prepare();

  const recordFailure = db
    .update(calls)
    .set({ failures: sql`${calls.failures} + 1`, updatedAt: p('now') as never })
    .where(and(eq(calls.id, p('id')), live))
    .returning()
    .prepare();

  const setSignal = db
    .update(calls)
    .set({
      signals: sql`json_set(${calls.signals}, ${jsonKey('name')}, json(${p('value')}))`,
      updatedAt: p('now') as never,
    })
    .where(and(eq(calls.id, p('id')), live))
    .returning()
    .prepare();

  // Turns a flag on once: only the statement that raised it returns the row, so two requests (or a
  // request and a timer) that reach the same threshold record it once. `unless`: a signal whose
  // presence means the flag no longer applies (a screen result arrived before its deadline).
  const unlessSet = sql`(${p('unless')} IS NULL OR json_extract(${calls.signals}, '$.' || ${p('unless')}) IS NULL)`;
  const raiseSignal = db
    .update(calls)
    .set({ signals: sql`json_set(${calls.signals}, ${jsonKey('name')}, json('true'))`, updatedAt: p('now') as never })
    .where(and(eq(calls.id, p('id')), live, sql`coalesce(json_extract(${calls.signals}, ${jsonKey('name')}), 0) = 0`, unlessSet))
    .returning()
    .prepare();

  // A screen result replaces every screen signal at once (a later result can clear an earlier flag).
  // A clear screen is a signal, never a success: it proves nothing about who is calling.
  const applyScreen = db
    .update(calls)
    .set({ signals: sql`json_patch(${calls.signals}, ${p('signals')})`, updatedAt: p('now') as never })
    .where(and(eq(calls.id, p('id')), live))
    .returning()
    .prepare();

  // A question is recorded as asked only of the customer it was chosen for.
  const setKbaAsked = db
    .update(calls)
    .set({
      kbaAsked: sql`json_set(${calls.kbaAsked}, ${jsonKey('level')}, ${p('questionId')})`,
      updatedAt: p('now') as never,
    })
    .where(and(eq(calls.id, p('id')), live, eq(calls.customerId, p('customerId'))))
    .returning()
    .prepare();

  // The claim may move to another customer only while no factor has passed. Moving it drops every
  // question asked (a question belongs to the customer it was chosen for); successes are empty
  // by the condition. Attempts and failures stay: swapping identities buys no extra guesses.
  const identify = db
    .update(calls)
    .set({
      customerId: p('customerId') as never,
      identifiedBy: p('by') as never,
      kbaAsked: sql`CASE WHEN ${calls.customerId} IS ${p('customerId')} THEN ${calls.kbaAsked} ELSE '{}' END`,
      updatedAt: p('now') as never,
    })
    .where(
      and(
        eq(calls.id, p('id')),
        live,
        sql`(${calls.customerId} IS NULL OR ${calls.customerId} = ${p('customerId')} OR ${calls.successes} = '{}')`,
      ),
    )
    .returning()
    .prepare();

  // A confirming device identifies an unclaimed call; it never takes over another customer's call.
  const claimByDevice = db
    .update(calls)
    .set({ customerId: p('customerId') as never, identifiedBy: 'device', updatedAt: p('now') as never })
    .where(and(eq(calls.id, p('id')), live, isNull(calls.customerId)))
    .returning()
    .prepare();

  const authenticate = db
    .update(calls)
    .set({ status: 'authenticated', authenticatedAt: p('now') as never, updatedAt: p('now') as never })
    .where(and(eq(calls.id, p('id')), eq(calls.status, 'pending')))
    .returning()
    .prepare();

  const stepDown = db
    .update(calls)
    .set({ status: 'pending', updatedAt: p('now') as never })
    .where(and(eq(calls.id, p('id')), eq(calls.status, 'authenticated')))
    .returning()
    .prepare();

  const end = db
    .update(calls)
    .set({ status: 'ended', endedAt: p('now') as never, updatedAt: p('now') as never })
    .where(and(eq(calls.id, p('id')), live))
    .returning()
    .prepare();


  return {
    async get(id: string): Promise<CallRow | undefined> {
      return (await byId.get({ id })) as CallRow | undefined;
    },
    /** The call an ElevenLabs conversation is bound to (the post-call webhook knows only that id). */
    async byConversation(conversationId: string): Promise<CallRow | undefined> {
      return (await byConversation.get({ conversationId })) as CallRow | undefined;
    },

    /** Creates the call unless it exists; either way returns the stored row. Idempotent per id. */
    async ensure(c: NewCall): Promise<{ call: CallRow; created: boolean }> {
      const rows = (await insert.all({
        id: c.id,
        source: c.source,
        agentId: c.agentId ?? null,
        calledNumber: c.calledNumber ?? null,
        callerId: c.callerId ?? null,
        policyId: c.policyId,
        policyVersion: c.policyVersion,
        customerId: c.customerId ?? null,
        identifiedBy: c.identifiedBy ?? null,
        candidates: c.candidates ?? [],
        signals: c.signals ?? {},
        now: c.now,
      })) as CallRow[];
      if (rows[0]) return { call: rows[0], created: true };
      const existing = await this.get(c.id);
      if (!existing) throw new Error(`call ${c.id} vanished after insert conflict`);
      return { call: existing, created: false };
    },

    /** How many calls from this caller ID since `since` were created before this one, itself included (counted up to `upTo`). */
    async rankFromCaller(id: string, callerId: string, since: number, upTo: number): Promise<number> {
      return ((await rankFromCaller.get({ id, callerId, since, upTo })) as { n: number }).n;
    },

    /** Binds the conversation on first use. Returns false when another conversation holds the call. */
    async bindConversation(id: string, conversationId: string, now: number): Promise<boolean> {
      try {
        if (firstRow<CallRow>(await bindConversation.all({ id, conversationId, now }))) return true;
      } catch (err) {
        // UNIQUE(conversation_id): this conversation is already bound to another call.
        if (isUniqueViolation(err)) return false;
        throw err;
      }
      const call = await this.get(id);
      return call?.conversationId === conversationId;
    },

    /** Records `factor` as proven for `customerId`; undefined when the call no longer claims that customer. */
    async recordSuccess(id: string, factor: string, customerId: string, at: number) {
      return firstRow<CallRow>(await recordSuccess.all({ id, factor, customerId, at }));
    },
    /** Takes one attempt of `factor` if fewer than `max` were used; undefined when exhausted. */
    async reserveAttempt(id: string, factor: string, max: number, now: number) {
      return firstRow<CallRow>(await reserveAttempt.all({ id, factor, max, now }));
    },
    async recordFailure(id: string, now: number) {
      return firstRow<CallRow>(await recordFailure.all({ id, now }));
    },
    async setSignal(id: string, name: string, value: boolean | string | number, now: number) {
      return firstRow<CallRow>(await setSignal.all({ id, name, value: JSON.stringify(value), now }));
    },
    /** The call, if this statement turned `name` on; undefined if it was on already, `unless` is set, or the call is terminal. */
    async raiseSignal(id: string, name: string, now: number, unless: string | null = null) {
      return firstRow<CallRow>(await raiseSignal.all({ id, name, now, unless }));
    },
    async applyScreen(id: string, signals: Record<string, boolean>, now: number) {
      return firstRow<CallRow>(await applyScreen.all({ id, signals: JSON.stringify(signals), now }));
    },
    async setKbaAsked(id: string, customerId: string, level: string, questionId: string, now: number) {
      return firstRow<CallRow>(await setKbaAsked.all({ id, customerId, level, questionId, now }));
    },
    async identify(id: string, customerId: string, by: NonNullable<CallRow['identifiedBy']>, now: number) {
      return firstRow<CallRow>(await identify.all({ id, customerId, by, now }));
    },
    async claimByDevice(id: string, customerId: string, now: number) {
      return firstRow<CallRow>(await claimByDevice.all({ id, customerId, now }));
    },
    async authenticate(id: string, now: number) {
      return firstRow<CallRow>(await authenticate.all({ id, now }));
    },
    async stepDown(id: string, now: number) {
      return firstRow<CallRow>(await stepDown.all({ id, now }));
    },
    /** pending|authenticated → handed_off|blocked, storing the handoff packet. Terminal calls stay as they are. */
    async close(id: string, to: 'handed_off' | 'blocked', handoff: Record<string, unknown>, now: number) {
      const rows = await db
        .update(calls)
        .set({ status: to, handoff, updatedAt: now })
        .where(and(eq(calls.id, id), live))
        .returning();
      return firstRow<CallRow>(rows as CallRow[]);
    },
    async end(id: string, now: number) {
      return firstRow<CallRow>(await end.all({ id, now }));
    },
    list: (f: CallListFilter) => listCalls(db, f),
  };
}

export type CallStore = ReturnType<typeof createCallStore>;
