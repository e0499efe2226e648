import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Webhook retries de-duplicated by the sender's idempotency token (Twilio's I-Twilio-Idempotency-Token). */
export const webhookReceipts = sqliteTable('webhook_receipts', {
  token: text('token').primaryKey(),
  status: integer('status').notNull(),
  contentType: text('content_type').notNull(),
  body: text('body').notNull(),
  createdAt: integer('created_at').notNull(),
});
