import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** blocked, handed_off and ended are terminal: no transition's WHERE clause names them as a source. */
export type CallStatus = 'pending' | 'authenticated' | 'blocked' | 'handed_off' | 'ended';

export type Signals = Record<string, boolean | string | number>;
/** factor → epoch ms of its latest success on this call (distinct by construction). */
export type Successes = Record<string, number>;

/** The per-call auth_state. Every change is one conditional UPDATE (see store/calls.ts). */
export const calls = sqliteTable(
  'calls',
  {
    id: text('id').primaryKey(),
    conversationId: text('conversation_id').unique(),
    source: text('source').$type<'initiation' | 'tool' | 'ivr'>().notNull(),
    agentId: text('agent_id'),
    calledNumber: text('called_number'),
    callerId: text('caller_id'),
    policyId: text('policy_id').notNull(),
    policyVersion: integer('policy_version').notNull(),
    status: text('status').$type<CallStatus>().notNull().default('pending'),
    customerId: text('customer_id'),
    identifiedBy: text('identified_by').$type<'caller_id' | 'account_ref' | 'host_session' | 'device'>(),
    candidates: text('candidates', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    signals: text('signals', { mode: 'json' }).$type<Signals>().notNull().default(sql`'{}'`),
    successes: text('successes', { mode: 'json' }).$type<Successes>().notNull().default(sql`'{}'`),
    /** factor → attempts used on this call (TOTP, KBA levels). OTP attempts live on the challenge. */
    attempts: text('attempts', { mode: 'json' }).$type<Record<string, number>>().notNull().default(sql`'{}'`),
    failures: integer('failures').notNull().default(0),
    /** KBA level → question id last asked; an answer is accepted only for the question asked. */
    kbaAsked: text('kba_asked', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    handoff: text('handoff', { mode: 'json' }).$type<Record<string, unknown>>(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    authenticatedAt: integer('authenticated_at'),
    endedAt: integer('ended_at'),
  },
  (t) => [
    index('calls_customer_idx').on(t.customerId),
    index('calls_created_idx').on(t.createdAt),
    index('calls_caller_id_idx').on(t.callerId, t.createdAt),
  ],
);

export type CallRow = typeof calls.$inferSelect;
