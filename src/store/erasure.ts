import { and, eq, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { runAtomic, type AtomicOptions } from './atomic.js';
import type { Db } from './db.js';
import { guessBudgets, limitCounters } from './schema/budgets.js';
import { calls } from './schema/calls.js';
import { otpChallenges } from '../factors/otp/schema.js';
import { accountRefs, customerPhones, customers, devices, kbaAnswers, totpSecrets } from './schema/customers.js';
import { didNonces, didSessions } from '../factors/did/schema.js';
import { events } from './schema/events.js';
import { pushChallenges, pushDevices } from '../factors/push/schema.js';

/** What one erasure removed or voided (row counts; nothing personal). */
export interface Erased {
  phones: number;
  account_refs: number;
  kba_answers: number;
  totp: number;
  devices: number;
  guess_budgets: number;
  did_sessions_canceled: number;
  otp_challenges_voided: number;
  calls_scrubbed: number;
}

export const ERASED_EVENT = 'customer_erased';
// call_id IS NULL and type: a range on events_call_idx, then a few rows to look into.
const erasedEvent = (id: string) =>
  sql`${events.callId} IS NULL AND ${events.type} = ${ERASED_EVENT} AND json_extract(${events.data}, '$.customer_id') = ${id}`;

/**
 * Erases a customer's personal data and secrets in one atomic unit. The customers row stays as a
 * tombstone (id and created_at only), so the pseudonymous id in the audit trail is never reused
 * for someone else. The unit's first statement writes the `customer_erased` event, only once per
 * customer: `first` tells whether this unit was the one that erased, `event` is that event's data.
 */
export async function eraseCustomer(db: Db, customerId: string, now: number, opts: AtomicOptions = {}): Promise<{ first: boolean; erased: Erased; event: Record<string, unknown> }> {
  const id = customerId;
  const phones = db.select({ phone: customerPhones.phone }).from(customerPhones).where(eq(customerPhones.customerId, id));
  const callsOf = db.select({ id: calls.id }).from(calls).where(eq(calls.customerId, id));
  // Calls that are this customer's, or nobody's but rang from one of their numbers.
  const personalCalls = or(eq(calls.customerId, id), and(isNull(calls.customerId), inArray(calls.callerId, phones)));
  const sessionsOf = or(eq(didSessions.customerId, id), inArray(didSessions.callId, callsOf));
  const pendingSessions = and(eq(didSessions.status, 'pending'), sessionsOf);
  // Every table named has a customer_id column: inside the subquery the bare name is that table's.
  const count = (table: SQLiteTable) => sql`(SELECT count(*) FROM ${table} WHERE "customer_id" = ${id})`;

  const statements = [
    // Counted before anything is removed, inside the same unit: the event says what this unit did.
    db.insert(events).select((qb) =>
      qb
        .select({
          id: sql`NULL`.as('id'), // the rowid alias: NULL takes the next id
          callId: sql`NULL`.as('call_id'),
          type: sql`${ERASED_EVENT}`.as('type'),
          at: sql`${now}`.as('at'),
          data: sql`json_object(
            'customer_id', ${id},
            'phones', ${count(customerPhones)},
            'account_refs', ${count(accountRefs)},
            'kba_answers', ${count(kbaAnswers)},
            'totp', ${count(totpSecrets)},
            'devices', ${count(devices)},
            'calls', ${count(calls)})`.as('data'),
        })
        .from(customers)
        .where(
          and(
            eq(customers.id, id),
            sql`NOT EXISTS (SELECT 1 FROM ${events} WHERE ${erasedEvent(id)})`,
          ),
        ),
    ),
    // A DID waiting for this customer's device can no longer be confirmed by anyone.
    db.update(didSessions).set({ status: 'canceled', resolvedAt: now }).where(pendingSessions),
    // The caller's number and whatever the IVR attached.
    db
      .update(didSessions)
      .set({ ani: null, metadata: {} })
      .where(or(sessionsOf, inArray(didSessions.callId, db.select({ id: calls.id }).from(calls).where(personalCalls)))),
    db.update(otpChallenges).set({ status: 'superseded', resolvedAt: now }).where(and(eq(otpChallenges.customerId, id), eq(otpChallenges.status, 'pending'))),
    // The destination is a keyed hash of a phone or address; the code hash is worthless now but a secret all the same.
    db.update(otpChallenges).set({ destination: '', codeHash: '' }).where(eq(otpChallenges.customerId, id)),
    db.delete(didNonces).where(inArray(didNonces.deviceId, db.select({ id: devices.id }).from(devices).where(eq(devices.customerId, id)))),
    db.delete(devices).where(eq(devices.customerId, id)),
    db.delete(totpSecrets).where(eq(totpSecrets.customerId, id)),
    db.delete(kbaAnswers).where(eq(kbaAnswers.customerId, id)),
    db.delete(guessBudgets).where(eq(guessBudgets.customerId, id)),
    // Probe counters are keyed by the caller's number (factors/identify/identify.ts).
    db.delete(limitCounters).where(inArray(limitCounters.key, db.select({ key: sql<string>`'identify:caller:' || ${customerPhones.phone}` }).from(customerPhones).where(eq(customerPhones.customerId, id)))),
    // Before the phones go: they name the unclaimed calls to scrub.
    db.update(calls).set({ callerId: null }).where(and(isNotNull(calls.callerId), personalCalls)),
    db.delete(accountRefs).where(eq(accountRefs.customerId, id)),
    db.delete(customerPhones).where(eq(customerPhones.customerId, id)),
    db.update(customers).set({ displayName: null, email: null }).where(eq(customers.id, id)),
    // A push waiting for this customer's device can no longer be answered; the push target (a
    // Web Push endpoint or a token) names the phone.
    db.update(pushChallenges).set({ status: 'canceled', resolvedAt: now }).where(and(eq(pushChallenges.customerId, id), eq(pushChallenges.status, 'pending'))),
    db.delete(pushDevices).where(eq(pushDevices.customerId, id)),
  ];
  const n = await runAtomic(db, statements, opts);
  const event = n[0] === 1 ? ((await db.select({ data: events.data }).from(events).where(erasedEvent(id)).limit(1)) as { data: Record<string, unknown> }[])[0] : undefined;
  return {
    first: n[0] === 1,
    event: event?.data ?? {},
    erased: {
      did_sessions_canceled: n[1]!,
      otp_challenges_voided: n[3]!,
      devices: n[6]!,
      totp: n[7]!,
      kba_answers: n[8]!,
      guess_budgets: n[9]!,
      calls_scrubbed: n[11]!,
      account_refs: n[12]!,
      phones: n[13]!,
    },
  };
}
