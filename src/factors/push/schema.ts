import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** How a push reaches a device: its own long-poll only, or a push service that wakes the app too. */
export type PushTransport = 'pull' | 'webpush' | 'fcm' | 'apns';
/**
 * pending → approved | rejected (a wrong number chosen) | denied ("this wasn't me") | expired | canceled.
 * Every UPDATE names 'pending' in its WHERE clause, so a terminal challenge never changes.
 */
export type PushStatus = 'pending' | 'approved' | 'rejected' | 'denied' | 'expired' | 'canceled';

/** Where a Web Push, FCM or APNs message for a device goes (absent for the pull channel alone). */
export interface PushTarget {
  /** Web Push: the subscription endpoint (https); FCM: the registration token; APNs: the device token. */
  address: string;
  /** Web Push only: the subscription's P-256 public key and auth secret, base64url (RFC 8291). */
  p256dh?: string;
  auth?: string;
}

/** An enrolled device (a P-256 key on file) that registered for pushes, signed by that key. */
export const pushDevices = sqliteTable(
  'push_devices',
  {
    deviceId: text('device_id').primaryKey(),
    customerId: text('customer_id').notNull(),
    transport: text('transport').$type<PushTransport>().notNull(),
    target: text('target', { mode: 'json' }).$type<PushTarget>(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('push_devices_customer_idx').on(t.customerId, t.updatedAt)],
);

/** One push approval request: bound to the call, the customer it claimed at issue, and one device. */
export const pushChallenges = sqliteTable(
  'push_challenges',
  {
    id: text('id').primaryKey(),
    callId: text('call_id').notNull(),
    customerId: text('customer_id').notNull(),
    deviceId: text('device_id').notNull(),
    /** The two digits the agent says; the app shows them among `choices`. */
    number: text('number').notNull(),
    choices: text('choices', { mode: 'json' }).$type<string[]>().notNull(),
    /** Opaque per-challenge value the app signs, so a signature cannot be moved to another challenge. */
    callBinding: text('call_binding').notNull(),
    /** Single use: the one answer the challenge takes moves it out of 'pending'. */
    nonce: text('nonce').notNull(),
    status: text('status').$type<PushStatus>().notNull().default('pending'),
    /** The number the device signed (approved or rejected). */
    chosen: text('chosen'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    resolvedAt: integer('resolved_at'),
  },
  (t) => [
    // No new push while one is pending for the customer, whatever the call: fatigue needs a queue.
    uniqueIndex('push_challenges_pending_customer_uq').on(t.customerId).where(sql`status = 'pending'`),
    index('push_challenges_customer_idx').on(t.customerId, t.createdAt),
    index('push_challenges_call_idx').on(t.callId, t.createdAt),
    index('push_challenges_device_idx').on(t.deviceId, t.status),
    index('push_challenges_expiry_idx').on(t.status, t.expiresAt),
  ],
);

/** After "this wasn't me": no push to the customer until `until` (durable, across calls). */
export const pushPauses = sqliteTable('push_pauses', {
  customerId: text('customer_id').primaryKey(),
  until: integer('until').notNull(),
  challengeId: text('challenge_id').notNull(),
  createdAt: integer('created_at').notNull(),
});
