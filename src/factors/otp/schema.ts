import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export type OtpStatus = 'pending' | 'approved' | 'failed' | 'superseded' | 'undelivered';

/** Delivered one-time codes. The code is kept only as a keyed hash bound to the challenge id. */
export const otpChallenges = sqliteTable(
  'otp_challenges',
  {
    id: text('id').primaryKey(),
    callId: text('call_id').notNull(),
    customerId: text('customer_id').notNull(),
    channel: text('channel').$type<'sms' | 'email'>().notNull(),
    /** Keyed hash of where the code went: per-destination send limits count across calls and customers. */
    destination: text('destination').notNull().default(''),
    codeHash: text('code_hash').notNull(),
    status: text('status').$type<OtpStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    resolvedAt: integer('resolved_at'),
  },
  (t) => [
    index('otp_challenges_call_idx').on(t.callId, t.createdAt),
    index('otp_challenges_destination_idx').on(t.destination, t.createdAt),
    index('otp_challenges_channel_idx').on(t.channel, t.createdAt),
  ],
);
