import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export type DidStatus = 'pending' | 'confirmed' | 'timeout' | 'canceled';
/** `operator`: read out by a human agent after a handoff (the console); it proves nothing to the call. */
export type DidProvider = 'twilio' | 'genesys' | 'nice' | 'five9' | 'generic' | 'elevenlabs' | 'operator';
export type InterceptStatus = 'none' | 'pending' | 'succeeded' | 'failed';

/**
 * Dynamic Identifier sessions, each bound to one live call (the provider's stable call id).
 * Terminal statuses are reachable only from 'pending' in every UPDATE's WHERE clause.
 */
export const didSessions = sqliteTable(
  'did_sessions',
  {
    id: text('id').primaryKey(),
    provider: text('provider').$type<DidProvider>().notNull(),
    callRef: text('call_ref').notNull(),
    /** The auth_state this session proves a factor for. */
    callId: text('call_id').notNull(),
    /** The customer the call claimed when the DID was issued: only their device may confirm it. */
    customerId: text('customer_id'),
    did: text('did').notNull(),
    /** Opaque per-session value the app signs, so a signature cannot be moved to another session. */
    callBinding: text('call_binding').notNull(),
    status: text('status').$type<DidStatus>().notNull().default('pending'),
    attempt: integer('attempt').notNull().default(1),
    previousSessionId: text('previous_session_id'),
    maxRetries: integer('max_retries').notNull(),
    locale: text('locale').notNull().default('en-US'),
    dnis: text('dnis'),
    ani: text('ani'),
    metadata: text('metadata', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
    /** Where a confirmed Twilio call is redirected (absent: nobody redirects, e.g. an agent waits). */
    redirectUrl: text('redirect_url'),
    confirmedDeviceId: text('confirmed_device_id'),
    interceptStatus: text('intercept_status').$type<InterceptStatus>().notNull().default('none'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    resolvedAt: integer('resolved_at'),
  },
  (t) => [
    // Idempotent creation: one pending session per provider call.
    uniqueIndex('did_sessions_pending_call_uq').on(t.provider, t.callRef).where(sql`status = 'pending'`),
    // A spoken DID names exactly one pending session.
    uniqueIndex('did_sessions_pending_did_uq').on(t.did).where(sql`status = 'pending'`),
    index('did_sessions_call_idx').on(t.callId, t.createdAt),
    index('did_sessions_expiry_idx').on(t.status, t.expiresAt),
  ],
);

/** Challenges handed to a device: single use, short-lived, bound to one session and one device. */
export const didNonces = sqliteTable('did_nonces', {
  nonce: text('nonce').primaryKey(),
  sessionId: text('session_id').notNull(),
  deviceId: text('device_id').notNull(),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
  usedAt: integer('used_at'),
});
