import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { firstRow } from './sql.js';
import { guessBudgets, limitCounters, type GuessFamily } from './schema/budgets.js';

export type BudgetRow = typeof guessBudgets.$inferSelect;
const p = sql.placeholder;

/** A family's budget as the policy sets it, in milliseconds. */
export interface BudgetRule {
  maxFailures: number;
  windowMs: number;
  maxConsecutive: number;
  lockMs: number;
}

/**
 * Guess budgets per customer and family. A guess is taken *before* it is checked (so 50 concurrent
 * guesses cannot take more than the budget holds) and given back when it proves right. Taking one
 * is a single upsert whose conflict branch carries the whole rule in its WHERE clause: no read,
 * no second statement, no window in which another process could slip a guess in.
 */
export function createBudgetStore(db: Db) {
  const expired = sql`${guessBudgets.windowStart} <= ${p('now')} - ${p('windowMs')}`;
  const failuresAfter = sql`CASE WHEN ${expired} THEN 1 ELSE ${guessBudgets.windowFailures} + 1 END`;
  const startAfter = sql`CASE WHEN ${expired} THEN ${p('now')} ELSE ${guessBudgets.windowStart} END`;
  // The guess that reaches a limit locks the family while it is checked: past the consecutive cap
  // for lock_ms (so after a long lock only one guess at a time gets through), at the window's end
  // for the window budget. A right guess lifts the lock again (giveBack).
  const lockAfter = sql`CASE
    WHEN ${guessBudgets.consecutive} + 1 >= ${p('maxConsecutive')} THEN ${p('now')} + ${p('lockMs')}
    WHEN ${failuresAfter} >= ${p('maxFailures')} THEN ${startAfter} + ${p('windowMs')}
    ELSE 0 END`;

  const take = db
    .insert(guessBudgets)
    .values({
      customerId: p('customerId'),
      family: p('family'),
      windowStart: p('now'),
      windowFailures: 1,
      consecutive: 1,
      lockedUntil: sql`CASE WHEN 1 >= ${p('maxConsecutive')} THEN ${p('now')} + ${p('lockMs')} WHEN 1 >= ${p('maxFailures')} THEN ${p('now')} + ${p('windowMs')} ELSE 0 END`,
      endedLock: 0,
      updatedAt: p('now'),
    })
    .onConflictDoUpdate({
      target: [guessBudgets.customerId, guessBudgets.family],
      set: {
        windowStart: startAfter,
        windowFailures: failuresAfter,
        consecutive: sql`${guessBudgets.consecutive} + 1`,
        lockedUntil: lockAfter,
        // SET reads the old row: the lock this guess found over (0 if none) is reported once.
        endedLock: sql`${guessBudgets.lockedUntil}`,
        updatedAt: sql`${p('now')}`,
      },
      setWhere: sql`${guessBudgets.lockedUntil} <= ${p('now')} AND (${expired} OR ${guessBudgets.windowFailures} < ${p('maxFailures')})`,
    })
    .returning()
    .prepare();

  // A right guess: the window gets its guess back, the consecutive count and any lock are cleared.
  const giveBack = db
    .update(guessBudgets)
    .set({
      windowFailures: sql`max(${guessBudgets.windowFailures} - 1, 0)`,
      consecutive: 0,
      lockedUntil: 0,
      updatedAt: p('now') as never,
    })
    .where(and(eq(guessBudgets.customerId, p('customerId')), eq(guessBudgets.family, p('family'))))
    .returning()
    .prepare();

  // A guess that was not a guess (nothing to check it against): only the counts go back.
  const refund = db
    .update(guessBudgets)
    .set({
      windowFailures: sql`max(${guessBudgets.windowFailures} - 1, 0)`,
      consecutive: sql`max(${guessBudgets.consecutive} - 1, 0)`,
      lockedUntil: sql`CASE WHEN ${guessBudgets.lockedUntil} = ${p('lockedUntil')} THEN 0 ELSE ${guessBudgets.lockedUntil} END`,
      updatedAt: p('now') as never,
    })
    .where(and(eq(guessBudgets.customerId, p('customerId')), eq(guessBudgets.family, p('family'))))
    .prepare();

  const lockedFamilies = db
    .select({ family: guessBudgets.family })
    .from(guessBudgets)
    .where(and(eq(guessBudgets.customerId, p('customerId')), sql`${guessBudgets.lockedUntil} > ${p('now')}`))
    .prepare();

  return {
    /** Takes one guess of the family; undefined when the family is locked for this customer. */
    async take(customerId: string, family: GuessFamily, rule: BudgetRule, now: number): Promise<BudgetRow | undefined> {
      return firstRow<BudgetRow>(await take.all({ customerId, family, now, ...rule }));
    },
    /** The guess was right: the customer's family is whole again. */
    async giveBack(customerId: string, family: GuessFamily, now: number): Promise<BudgetRow | undefined> {
      return firstRow<BudgetRow>(await giveBack.all({ customerId, family, now }));
    },
    /** The guess never reached a check (e.g. no code was sent): undo `taken`, and the lock it set, if any. */
    async refund(customerId: string, family: GuessFamily, taken: BudgetRow, now: number): Promise<void> {
      await refund.run({ customerId, family, lockedUntil: taken.lockedUntil, now });
    },
    /** Families locked now for this customer. */
    async locked(customerId: string, now: number): Promise<Set<GuessFamily>> {
      const rows = (await lockedFamilies.all({ customerId, now })) as { family: GuessFamily }[];
      return new Set(rows.map((r) => r.family));
    },
  };
}

export type BudgetStore = ReturnType<typeof createBudgetStore>;

/** No counter's window is longer than the policy schema allows (a week): older rows count nothing. */
export const COUNTER_RETENTION_MS = 7 * 86_400_000;

/**
 * Durable fixed-window counters: `take` is one upsert that counts only while the key is under its
 * limit in the current window, so any number of processes share one count.
 */
export function createCounterStore(db: Db) {
  const expired = sql`${limitCounters.windowStart} <= ${p('now')} - ${p('windowMs')}`;
  const take = db
    .insert(limitCounters)
    .values({ key: p('key'), windowStart: p('now'), count: 1 })
    .onConflictDoUpdate({
      target: limitCounters.key,
      set: {
        windowStart: sql`CASE WHEN ${expired} THEN ${p('now')} ELSE ${limitCounters.windowStart} END`,
        count: sql`CASE WHEN ${expired} THEN 1 ELSE ${limitCounters.count} + 1 END`,
      },
      setWhere: sql`${expired} OR ${limitCounters.count} < ${p('limit')}`,
    })
    .returning()
    .prepare();
  const peek = db.select().from(limitCounters).where(eq(limitCounters.key, p('key'))).prepare();
  const sweep = db.delete(limitCounters).where(sql`${limitCounters.windowStart} <= ${p('before')}`).prepare();

  return {
    /**
     * Counts one unit against `key`; returns the count in the window, or undefined when the key
     * already used `limit` units in it (nothing is counted then).
     */
    async take(key: string, limit: number, windowMs: number, now: number): Promise<number | undefined> {
      return firstRow<{ count: number }>(await take.all({ key, limit, windowMs, now }))?.count;
    },
    /** True when `key` has no unit left in its current window. */
    async exhausted(key: string, limit: number, windowMs: number, now: number): Promise<boolean> {
      const row = (await peek.get({ key })) as { windowStart: number; count: number } | undefined;
      return row !== undefined && row.windowStart > now - windowMs && row.count >= limit;
    },
    /** Drops counters whose window started before `before` (a sweeper keeps the table small). */
    async sweep(before: number): Promise<void> {
      await sweep.run({ before });
    },
  };
}

export type CounterStore = ReturnType<typeof createCounterStore>;
