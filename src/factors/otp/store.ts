import { and, desc, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../../store/db.js';
import { literalLimit, paramColumn } from '../../store/sql.js';
import { otpChallenges, type OtpStatus } from './schema.js';
import { calls } from '../../store/schema/calls.js';

export type Challenge = typeof otpChallenges.$inferSelect;

/** The cross-call send limits, from the policy's `limits`. */
export interface SendLimits {
  destMax: number;
  destWindowMs: number;
  dayMax: number;
}

export interface NewChallenge {
  id: string;
  callId: string;
  customerId: string;
  channel: 'sms' | 'email';
  /** hashDestination of where the code goes. */
  destination: string;
  codeHash: string;
  maxAttempts: number;
  now: number;
  expiresAt: number;
  maxSends: number;
  cooldownMs: number;
  limits: SendLimits;
}

const DAY_MS = 86_400_000;
const limitParams = (l: SendLimits, destination: string, now: number) => ({
  destination,
  destSince: now - l.destWindowMs,
  destMax: l.destMax,
  daySince: now - DAY_MS,
  dayMax: l.dayMax,
});
const p = sql.placeholder;

export function createChallengeStore(db: Db) {
  // The call's delivered codes, newest first (an undelivered send is a send, never a code to check).
  // A code counts only for the customer it was sent to: after a claim moves, the old codes are
  // not this caller's codes, whatever the call id.
  const delivered = and(
    eq(otpChallenges.callId, p('callId')),
    eq(otpChallenges.customerId, p('customerId')),
    ne(otpChallenges.status, 'undelivered'),
  );
  // The cross-call send counts: what refused a send (read after a refusal), and what a next step may offer.
  const sendCounts = db
    .select({
      dest: sql<number>`(SELECT count(*) FROM (SELECT 1 FROM otp_challenges WHERE destination = ${p('destination')} AND created_at > ${p('destSince')} LIMIT ${p('destMax')}))`,
      day: sql<number>`(SELECT count(*) FROM (SELECT 1 FROM otp_challenges WHERE destination = ${p('destination')} AND created_at > ${p('daySince')} LIMIT ${p('dayMax')}))`,
      // A durable counter's units in its current window (store/budgets.ts writes it), read here
      // so a next step learns every send limit in one statement.
      counter: sql<number>`coalesce((SELECT count FROM limit_counters WHERE key = ${p('counterKey')} AND window_start > ${p('counterSince')}), 0)`,
    })
    .from(sql`(SELECT 1)`)
    .prepare();
  const newestFirst = [desc(otpChallenges.createdAt), desc(otpChallenges.id)] as const;
  const latest = db.select().from(otpChallenges).where(delivered).orderBy(...newestFirst).limit(literalLimit(1)).prepare();

  // What a next-step decision needs about a call's codes, in one statement (a hot path): the send
  // count and last send (undelivered ones included), and the latest delivered code, if any.
  const stats = db
    .select({ sends: sql<number>`count(*)`.as('sends'), lastAt: sql<number | null>`max(${otpChallenges.createdAt})`.as('last_at') })
    .from(otpChallenges)
    .where(eq(otpChallenges.callId, p('callId')))
    .as('stats');
  const latestId = db.select({ id: otpChallenges.id }).from(otpChallenges).where(delivered).orderBy(...newestFirst).limit(literalLimit(1));
  const stateOf = db
    .select({ sends: stats.sends, lastAt: stats.lastAt, latest: otpChallenges })
    .from(stats)
    .leftJoin(otpChallenges, eq(otpChallenges.id, sql`(${latestId})`))
    .prepare();

  // Taking an attempt is itself the conditional statement: concurrent guesses cannot exceed max.
  const reserve = db
    .update(otpChallenges)
    .set({ attempts: sql`${otpChallenges.attempts} + 1` })
    .where(
      and(
        eq(otpChallenges.id, p('id')),
        eq(otpChallenges.status, 'pending'),
        sql`${otpChallenges.attempts} < ${otpChallenges.maxAttempts}`,
        sql`${otpChallenges.expiresAt} > ${p('now')}`,
      ),
    )
    .returning()
    .prepare();

  const resolve = db
    .update(otpChallenges)
    .set({ status: p('to') as never, resolvedAt: p('now') as never })
    .where(and(eq(otpChallenges.id, p('id')), eq(otpChallenges.status, 'pending')))
    .returning({ id: otpChallenges.id })
    .prepare();

  const supersede = db
    .update(otpChallenges)
    .set({ status: 'superseded', resolvedAt: p('now') as never })
    .where(and(eq(otpChallenges.callId, p('callId')), eq(otpChallenges.status, 'pending'), ne(otpChallenges.id, p('id'))))
    .prepare();

  // A send is inserted only if the limits allow it: one statement decides both (max_sends per call,
  // none within the cooldown), so racing sends cannot both pass. Selected from the call's own row,
  // so it yields one row or none.
  const insertIfAllowed = db
    .insert(otpChallenges)
    .select((qb) =>
      qb
        .select({
          id: paramColumn('id'),
          callId: calls.id,
          customerId: paramColumn('customerId'),
          channel: paramColumn('channel'),
          destination: paramColumn('destination'),
          codeHash: paramColumn('codeHash'),
          status: sql`'pending'`.as('status'),
          attempts: sql`0`.as('attempts'),
          maxAttempts: paramColumn('maxAttempts'),
          createdAt: paramColumn('now'),
          expiresAt: paramColumn('expiresAt'),
          resolvedAt: sql`NULL`.as('resolved_at'),
        })
        .from(calls)
        .where(
          and(
            eq(calls.id, p('callId')),
            sql`(SELECT count(*) FROM otp_challenges WHERE call_id = ${p('callId')}) < ${p('maxSends')}`,
            sql`NOT EXISTS (SELECT 1 FROM otp_challenges WHERE call_id = ${p('callId')} AND status != 'undelivered' AND created_at > ${p('since')})`,
            // The claim is still the customer the code is for (an identity swap cannot race a send).
            eq(calls.customerId, p('customerId')),
            // Across calls: per destination in a short and a daily sliding window. Undelivered
            // sends count: they cost as much. Each count stops at its limit, so a flooded
            // destination costs no more to refuse than to allow. (The service-wide SMS ceiling is
            // a durable counter, factors/otp/otp.ts: a count of every SMS would grow with the traffic.)
            sql`(SELECT count(*) FROM (SELECT 1 FROM otp_challenges WHERE destination = ${p('destination')} AND created_at > ${p('destSince')} LIMIT ${p('destMax')})) < ${p('destMax')}`,
            sql`(SELECT count(*) FROM (SELECT 1 FROM otp_challenges WHERE destination = ${p('destination')} AND created_at > ${p('daySince')} LIMIT ${p('dayMax')})) < ${p('dayMax')}`,
          ),
        ),
    )
    .returning({ id: otpChallenges.id })
    .prepare();

  return {
    /** The latest code delivered on the call to `customerId`. */
    async latest(callId: string, customerId: string): Promise<Challenge | undefined> {
      return (await latest.get({ callId, customerId })) as Challenge | undefined;
    },
    /** The latest code delivered to `customerId` and the call's sends (count, last), read in one statement. */
    async state(callId: string, customerId: string): Promise<{ latest: Challenge | undefined; sends: number; lastAt: number | null }> {
      const row = (await stateOf.get({ callId, customerId })) as { sends: number; lastAt: number | null; latest: Challenge | null };
      return { latest: row.latest ?? undefined, sends: row.sends, lastAt: row.lastAt };
    },
    /** Inserts a pending challenge if the send limits allow (see insertIfAllowed); false when they do not. */
    async createIfAllowed(c: NewChallenge): Promise<boolean> {
      const { cooldownMs, limits, ...values } = c;
      const rows = (await insertIfAllowed.all({ ...values, since: c.now - cooldownMs, ...limitParams(limits, c.destination, c.now) })) as unknown[];
      if (rows.length === 0) return false;
      await supersede.run({ callId: c.callId, id: c.id, now: c.now });
      return true;
    },
    /** Voids every pending code of the call (its claim moved to another customer). */
    async supersedeAll(callId: string, now: number): Promise<void> {
      await supersede.run({ callId, id: '', now });
    },
    /** Sends counted by the cross-call limits, and a durable counter's current units (the SMS ceiling's). */
    async sendCounts(
      destination: string,
      limits: SendLimits,
      now: number,
      counter: { key: string; windowMs: number },
    ): Promise<{ dest: number; day: number; counter: number }> {
      const params = { ...limitParams(limits, destination, now), counterKey: counter.key, counterSince: now - counter.windowMs };
      return (await sendCounts.get(params)) as { dest: number; day: number; counter: number };
    },
    async reserveAttempt(id: string, now: number): Promise<Challenge | undefined> {
      return ((await reserve.all({ id, now })) as Challenge[])[0];
    },
    /** pending → approved | failed | undelivered; false if it was no longer pending. */
    async resolve(id: string, to: Exclude<OtpStatus, 'pending' | 'superseded'>, now: number): Promise<boolean> {
      return ((await resolve.all({ id, to, now })) as unknown[]).length === 1;
    },
  };
}

export type ChallengeStore = ReturnType<typeof createChallengeStore>;
