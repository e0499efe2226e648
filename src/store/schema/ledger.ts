import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** A small demo ledger behind the example post-auth tools. */
export const ledgerAccounts = sqliteTable(
  'ledger_accounts',
  {
    ref: text('ref').primaryKey(),
    customerId: text('customer_id').notNull(),
    kind: text('kind').$type<'checking' | 'savings' | 'card'>().notNull(),
    currency: text('currency').notNull().default('USD'),
    balanceCents: integer('balance_cents').notNull().default(0),
    cardLimitCents: integer('card_limit_cents'),
  },
  (t) => [index('ledger_accounts_customer_idx').on(t.customerId)],
);

export const ledgerTransfers = sqliteTable('ledger_transfers', {
  id: text('id').primaryKey(),
  /** Same call + same request = same transfer: voice platforms retry tool calls. */
  idempotencyKey: text('idempotency_key').notNull().unique(),
  callId: text('call_id').notNull(),
  customerId: text('customer_id').notNull(),
  fromRef: text('from_ref').notNull(),
  toRef: text('to_ref').notNull(),
  amountCents: integer('amount_cents').notNull(),
  status: text('status').$type<'pending' | 'completed' | 'rejected'>().notNull(),
  reason: text('reason'),
  createdAt: integer('created_at').notNull(),
});
