import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The audit trail. `data` carries outcomes and labels, never a code, answer or secret. */
export const events = sqliteTable(
  'events',
  {
    // A rowid alias without AUTOINCREMENT: ids still only grow while rows are never deleted, and
    // each insert skips the sqlite_sequence update (measured: ~20% of an audit write).
    id: integer('id').primaryKey(),
    callId: text('call_id'),
    type: text('type').notNull(),
    at: integer('at').notNull(),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('events_call_idx').on(t.callId, t.type, t.at)],
);
