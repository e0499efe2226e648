import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { events } from './schema/events.js';

export type EventRow = typeof events.$inferSelect;
const p = sql.placeholder;

export function createEventStore(db: Db) {
  const insert = db
    .insert(events)
    .values({ callId: p('callId'), type: p('type'), at: p('at'), data: p('data') })
    .prepare();
  // Two events of one request that must land together (a read tool's decision and its result):
  // one statement, one commit.
  const insertPair = db
    .insert(events)
    .values([
      { callId: p('callId'), type: p('type'), at: p('at'), data: p('data') },
      { callId: p('callId'), type: p('type2'), at: p('at'), data: p('data2') },
    ])
    .prepare();
  const forCall = db.select().from(events).where(eq(events.callId, p('callId'))).orderBy(asc(events.id)).prepare();
  const countSince = db
    .select({ n: sql<number>`count(*)` })
    .from(events)
    .where(and(eq(events.callId, p('callId')), eq(events.type, p('type')), gt(events.at, p('since'))))
    .prepare();

  const countForSession = db
    .select({ n: sql<number>`count(*)` })
    .from(events)
    .where(and(eq(events.callId, p('callId')), eq(events.type, p('type')), sql`json_extract(${events.data}, '$.session_id') = ${p('sessionId')}`))
    .prepare();

  return {
    async append(callId: string | null, type: string, at: number, data: Record<string, unknown>) {
      await insert.run({ callId, type, at, data });
    },
    /** Two events of one call at the same instant, in this order, in one commit. */
    async appendPair(callId: string | null, at: number, first: { type: string; data: Record<string, unknown> }, second: { type: string; data: Record<string, unknown> }) {
      await insertPair.run({ callId, at, type: first.type, data: first.data, type2: second.type, data2: second.data });
    },
    async forCall(callId: string): Promise<EventRow[]> {
      return (await forCall.all({ callId })) as EventRow[];
    },
    /** Events of one type about one DID session of a call (e.g. how often an IVR looped on it). */
    async countForSession(callId: string, type: string, sessionId: string): Promise<number> {
      return ((await countForSession.get({ callId, type, sessionId })) as { n: number }).n;
    },
    async countSince(callId: string, type: string, since: number): Promise<number> {
      return ((await countSince.get({ callId, type, since })) as { n: number }).n;
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;
