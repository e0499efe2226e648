import { eq, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { calls, type CallRow } from './schema/calls.js';
import { webhookReceipts } from './schema/did.js';

const p = sql.placeholder;

/** What the post-call webhook needs beyond the call store: lookups by conversation, and a once-only claim. */
export function createPostCallStore(db: Db) {
  const byConversation = db.select().from(calls).where(eq(calls.conversationId, p('conversationId'))).prepare();
  const claim = db
    .insert(webhookReceipts)
    .values({ token: p('token'), status: 200, contentType: 'application/json', body: p('body'), createdAt: p('now') })
    .onConflictDoNothing()
    .returning({ token: webhookReceipts.token })
    .prepare();

  return {
    async callByConversation(conversationId: string): Promise<CallRow | undefined> {
      return (await byConversation.get({ conversationId })) as CallRow | undefined;
    },
    /**
     * True for exactly one caller per call, however many webhooks arrive (a UNIQUE token):
     * the outcome of a call is recorded once.
     */
    async claimOutcome(callId: string, now: number, body: string): Promise<boolean> {
      const rows = (await claim.all({ token: `elevenlabs:call_outcome:${callId}`, body, now })) as unknown[];
      return rows.length > 0;
    },
  };
}
