import { and, desc, eq, ne, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { literalLimit } from './sql.js';
import { otpChallenges, type OtpStatus } from './schema/challenges.js';
import { calls } from './schema/calls.js';

export type Challenge = typeof otpChallenges.$inferSelect;
const p = sql.placeholder;

export function createChallengeStore(db: Db) {
  // The call's delivered codes, newest first (an undelivered send is a send, never a code to check).
  const delivered = and(eq(otpChallenges.callId, p('callId')), ne(otpChallenges.status, 'undelivered'));
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
  const col = (name: string) => sql`${p(name)}`.as(name);
  const insertIfAllowed = db
    .insert(otpChallenges)
    .select((qb) =>
      qb
        .select({
          id: col('id'),
          callId: calls.id,
          customerId: col('customerId'),
          channel: col('channel'),
          codeHash: col('codeHash'),
          status: sql`'pending'`.as('status'),
          attempts: sql`0`.as('attempts'),
          maxAttempts: col('maxAttempts'),
          createdAt: col('now'),
          expiresAt: col('expiresAt'),
          resolvedAt: sql`NULL`.as('resolved_at'),
        })
        .from(calls)
        .where(
          and(
            eq(calls.id, p('callId')),
            sql`(SELECT count(*) FROM otp_challenges WHERE call_id = ${p('callId')}) < ${p('maxSends')}`,
            sql`NOT EXISTS (SELECT 1 FROM otp_challenges WHERE call_id = ${p('callId')} AND status != 'undelivered' AND created_at > ${p('since')})`,
          ),
        ),
    )
    .returning({ id: otpChallenges.id })
    .prepare();

  return {
    async latest(callId: string): Promise<Challenge | undefined> {
      return (await latest.get({ callId })) as Challenge | undefined;
    },
    /** The latest delivered code and the call's sends (count, last), read in one statement. */
    async state(callId: string): Promise<{ latest: Challenge | undefined; sends: number; lastAt: number | null }> {
      const row = (await stateOf.get({ callId })) as { sends: number; lastAt: number | null; latest: Challenge | null };
      return { latest: row.latest ?? undefined, sends: row.sends, lastAt: row.lastAt };
    },
    /** Inserts a pending challenge if the send limits allow (see insertIfAllowed); false when they do not. */
    async createIfAllowed(c: {
      id: string;
      callId: string;
      customerId: string;
      channel: 'sms' | 'email';
      codeHash: string;
      maxAttempts: number;
      now: number;
      expiresAt: number;
      maxSends: number;
      cooldownMs: number;
    }): Promise<boolean> {
      const { cooldownMs, ...values } = c;
      const rows = (await insertIfAllowed.all({ ...values, since: c.now - cooldownMs })) as unknown[];
      if (rows.length === 0) return false;
      await supersede.run({ callId: c.callId, id: c.id, now: c.now });
      return true;
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
