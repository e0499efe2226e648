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
  const forCall = db.select().from(events).where(eq(events.callId, p('callId'))).orderBy(asc(events.id)).prepare();
  const countSince = db
    .select({ n: sql<number>`count(*)` })
    .from(events)
    .where(and(eq(events.callId, p('callId')), eq(events.type, p('type')), gt(events.at, p('since'))))
    .prepare();

  return {
    async append(callId: string | null, type: string, at: number, data: Record<string, unknown>) {
      await insert.run({ callId, type, at, data });
    },
    async forCall(callId: string): Promise<EventRow[]> {
      return (await forCall.all({ callId })) as EventRow[];
    },
    async countSince(callId: string, type: string, since: number): Promise<number> {
      return ((await countSince.get({ callId, type, since })) as { n: number }).n;
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;
