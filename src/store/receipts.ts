import { eq, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { webhookReceipts } from './schema/receipts.js';

export type Receipt = typeof webhookReceipts.$inferSelect;
const p = sql.placeholder;

/**
 * Once-only deliveries, keyed by a token (a UNIQUE primary key): Twilio's idempotency token with
 * the answer to replay, a signed VoxEQ delivery, a call's recorded outcome.
 */
export function createReceiptStore(db: Db) {
  const byToken = db.select().from(webhookReceipts).where(eq(webhookReceipts.token, p('token'))).prepare();
  const insert = db
    .insert(webhookReceipts)
    .values({ token: p('token'), status: p('status'), contentType: p('contentType'), body: p('body'), createdAt: p('now') })
    .onConflictDoNothing()
    .returning({ token: webhookReceipts.token })
    .prepare();

  return {
    async get(token: string): Promise<Receipt | undefined> {
      return (await byToken.get({ token })) as Receipt | undefined;
    },
    /**
     * Records a delivery (with the answer it got, if it is to be replayed); false when the token
     * was seen before — a replay, or the twin of a request that already claimed it.
     */
    async claim(token: string, now: number, answer: { status: number; contentType: string; body: string } = { status: 0, contentType: '', body: '' }): Promise<boolean> {
      return ((await insert.all({ token, now, ...answer })) as unknown[]).length === 1;
    },
  };
}

export type ReceiptStore = ReturnType<typeof createReceiptStore>;
