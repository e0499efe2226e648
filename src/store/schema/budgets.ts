import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The families a guess budget is kept for: what a wrong guess reveals nothing about across families. */
export type GuessFamily = 'knowledge' | 'code' | 'did';

/**
 * Failed guesses per customer and factor family, across every call and process. A row is changed
 * only by single conditional statements (see store/budgets.ts), so concurrent guesses cannot
 * take more than the budget allows.
 */
export const guessBudgets = sqliteTable(
  'guess_budgets',
  {
    customerId: text('customer_id').notNull(),
    family: text('family').$type<GuessFamily>().notNull(),
    /** Start of the current window, and the guesses taken in it (a success gives its guess back). */
    windowStart: integer('window_start').notNull(),
    windowFailures: integer('window_failures').notNull(),
    /** Failed guesses since the last success of the family; only a success resets it. */
    consecutive: integer('consecutive').notNull(),
    /** No guess is taken before this instant (0: not locked). */
    lockedUntil: integer('locked_until').notNull().default(0),
    /** The lock the last guess found expired (so exactly one request reports the unlock). */
    endedLock: integer('ended_lock').notNull().default(0),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.family] })],
);

/**
 * Durable fixed-window counters (identify probes per caller ID, service-wide probes): correct
 * across processes, unlike an in-memory limiter. One row per key.
 */
export const limitCounters = sqliteTable(
  'limit_counters',
  {
    key: text('key').primaryKey(),
    windowStart: integer('window_start').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [index('limit_counters_window_idx').on(t.windowStart)],
);
