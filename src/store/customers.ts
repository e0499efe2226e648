import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { isUniqueViolation, literalLimit } from './sql.js';
import { runAtomic } from './atomic.js';
import { eraseCustomer, type Erased } from './erasure.js';
import { didNonces } from '../factors/did/schema.js';
import { accountRefs, customerPhones, customers, devices, kbaAnswers, totpSecrets } from './schema/customers.js';

export interface NewCustomer {
  id: string;
  displayName?: string | null;
  email?: string | null;
  phones: string[];
  accountRefs: string[];
  kba: { id: string; level: 'basic' | 'advanced'; question: string; answerHash: string }[];
  totpSealed?: string | null;
  now: number;
}

/** What a caller could be asked to prove, without any secret. */
export interface Enrolment {
  customerId: string;
  phones: string[];
  email: string | null;
  totp: boolean;
  kba: { basic: number; advanced: number };
  devices: number;
}

/** A customer as an operator sees it: who they are and what is enrolled, never an answer, seed or key. */
export interface CustomerView {
  customerId: string;
  displayName: string | null;
  email: string | null;
  phones: string[];
  accountRefs: string[];
  createdAt: number;
  kba: { basic: number; advanced: number };
  totp: boolean;
  devices: { id: string; createdAt: number }[];
}

const p = sql.placeholder;

// A call asks for its next step on almost every tool call; what the customer is enrolled in
// changes only through this store (enrolment, a new device). So the hint may reuse a recent read:
// positive reads only, for a few seconds, dropped here on every change (another process, e.g. a
// second Workers isolate, sees a change within the TTL). Anything that acts on an enrolment (where
// a code goes, whether a DID may be issued) reads it fresh.
const HINT_TTL_MS = 10_000;
const HINT_MAX = 10_000;

export function createCustomerStore(db: Db) {
  const hints = new Map<string, { at: number; enrolment: Enrolment }>();
  // Bumped by every change: a read that overlapped a change is answered but not kept.
  let changes = 0;
  const changed = (customerId: string) => {
    changes++;
    hints.delete(customerId);
  };
  const byPhone = db
    .select({ customerId: customerPhones.customerId })
    .from(customerPhones)
    .where(eq(customerPhones.phone, p('phone')))
    .limit(literalLimit(5))
    .prepare();
  const byRef = db
    .select({ customerId: accountRefs.customerId })
    .from(accountRefs)
    .where(eq(accountRefs.ref, p('ref')))
    .prepare();
  const byId = db.select().from(customers).where(eq(customers.id, p('id'))).prepare();
  // Everything a next-step decision needs about a customer, in one statement (a hot path).
  const enrolmentOf = db
    .select({
      email: customers.email,
      // Qualified by hand: inside sql`` drizzle writes bare column names, and `devices` has its own `id`.
      phones: sql<string | null>`(SELECT group_concat(cp.phone, ',') FROM customer_phones cp WHERE cp.customer_id = "customers"."id")`,
      kbaBasic: sql<number>`(SELECT count(*) FROM kba_answers k WHERE k.customer_id = "customers"."id" AND k.level = 'basic')`,
      kbaAdvanced: sql<number>`(SELECT count(*) FROM kba_answers k WHERE k.customer_id = "customers"."id" AND k.level = 'advanced')`,
      totp: sql<number>`EXISTS (SELECT 1 FROM totp_secrets ts WHERE ts.customer_id = "customers"."id")`,
      devices: sql<number>`(SELECT count(*) FROM devices d WHERE d.customer_id = "customers"."id")`,
    })
    .from(customers)
    .where(eq(customers.id, p('id')))
    .prepare();
  const totpOf = db.select().from(totpSecrets).where(eq(totpSecrets.customerId, p('id'))).prepare();
  const deviceById = db.select().from(devices).where(eq(devices.id, p('id'))).prepare();
  const questionsOf = db
    .select({ questionId: kbaAnswers.questionId, question: kbaAnswers.question })
    .from(kbaAnswers)
    .where(and(eq(kbaAnswers.customerId, p('id')), eq(kbaAnswers.level, p('level'))))
    .orderBy(kbaAnswers.questionId)
    .prepare();
  const answerOf = db
    .select()
    .from(kbaAnswers)
    .where(and(eq(kbaAnswers.customerId, p('id')), eq(kbaAnswers.questionId, p('questionId'))))
    .prepare();
  // A TOTP time step is accepted once: only a strictly later step advances the marker.
  const advanceTotp = db
    .update(totpSecrets)
    .set({ lastTimeStep: p('step') as never })
    .where(
      and(
        eq(totpSecrets.customerId, p('id')),
        sql`(${totpSecrets.lastTimeStep} IS NULL OR ${totpSecrets.lastTimeStep} < ${p('step')})`,
      ),
    )
    .returning({ customerId: totpSecrets.customerId })
    .prepare();

  return {
    async get(id: string) {
      return (await byId.get({ id })) as typeof customers.$inferSelect | undefined;
    },
    async idsByPhone(phone: string): Promise<string[]> {
      return ((await byPhone.all({ phone })) as { customerId: string }[]).map((r) => r.customerId);
    },
    async idByAccountRef(ref: string): Promise<string | undefined> {
      return ((await byRef.get({ ref })) as { customerId: string } | undefined)?.customerId;
    },
    async enrolment(id: string): Promise<Enrolment | undefined> {
      const row = (await enrolmentOf.get({ id })) as
        | { email: string | null; phones: string | null; kbaBasic: number; kbaAdvanced: number; totp: number; devices: number }
        | undefined;
      if (!row) return undefined;
      return {
        customerId: id,
        phones: row.phones ? row.phones.split(',') : [],
        email: row.email,
        totp: row.totp === 1,
        kba: { basic: row.kbaBasic, advanced: row.kbaAdvanced },
        devices: row.devices,
      };
    },
    /** `enrolment`, possibly a few seconds old: for choosing a next step, never for acting on one. */
    async enrolmentHint(id: string): Promise<Enrolment | undefined> {
      const now = Date.now();
      const hit = hints.get(id);
      if (hit && now - hit.at < HINT_TTL_MS) return hit.enrolment;
      const before = changes;
      const enrolment = await this.enrolment(id);
      hints.delete(id);
      if (enrolment && changes === before) {
        if (hints.size >= HINT_MAX) hints.delete(hints.keys().next().value!);
        hints.set(id, { at: now, enrolment });
      }
      return enrolment;
    },
    async questions(id: string, level: 'basic' | 'advanced') {
      return (await questionsOf.all({ id, level })) as { questionId: string; question: string }[];
    },
    async answer(id: string, questionId: string) {
      return (await answerOf.get({ id, questionId })) as typeof kbaAnswers.$inferSelect | undefined;
    },
    async device(id: string) {
      return (await deviceById.get({ id })) as typeof devices.$inferSelect | undefined;
    },
    async totp(id: string) {
      return (await totpOf.get({ id })) as typeof totpSecrets.$inferSelect | undefined;
    },
    /** False when this step (or a later one) was already used: a replayed TOTP. */
    async advanceTotpStep(id: string, step: number): Promise<boolean> {
      return ((await advanceTotp.all({ id, step })) as unknown[]).length === 1;
    },

    /** The operator's view of a customer (GET /admin/customers). */
    async view(id: string): Promise<CustomerView | undefined> {
      const [row, enrolment, refs, devs] = await Promise.all([
        this.get(id),
        this.enrolment(id),
        db.select({ ref: accountRefs.ref }).from(accountRefs).where(eq(accountRefs.customerId, id)).orderBy(accountRefs.ref),
        db.select({ id: devices.id, createdAt: devices.createdAt }).from(devices).where(eq(devices.customerId, id)).orderBy(devices.createdAt, devices.id),
      ]);
      if (!row || !enrolment) return undefined;
      return {
        customerId: id,
        displayName: row.displayName,
        email: row.email,
        phones: enrolment.phones,
        accountRefs: (refs as { ref: string }[]).map((r) => r.ref),
        createdAt: row.createdAt,
        kba: enrolment.kba,
        totp: enrolment.totp,
        devices: devs as { id: string; createdAt: number }[],
      };
    },
    /** Removes one device of the customer and its outstanding nonces; false if it is not theirs. */
    async removeDevice(customerId: string, deviceId: string): Promise<boolean> {
      const [, removed] = await runAtomic(db, [
        db.delete(didNonces).where(and(eq(didNonces.deviceId, deviceId), sql`EXISTS (SELECT 1 FROM devices d WHERE d.id = ${deviceId} AND d.customer_id = ${customerId})`)),
        db.delete(devices).where(and(eq(devices.id, deviceId), eq(devices.customerId, customerId))),
      ]);
      changed(customerId);
      return removed === 1;
    },
    /** Erases the customer's personal data and secrets (store/erasure.ts); undefined if unknown. */
    async erase(id: string, now: number): Promise<{ first: boolean; erased: Erased; event: Record<string, unknown> } | undefined> {
      if (!(await this.get(id))) return undefined;
      const result = await eraseCustomer(db, id, now);
      changed(id); // after the commit, so no hint read before it outlives it
      return result;
    },

    /** Enrols a customer with everything it owns in one atomic unit. False if the id exists. */
    async create(c: NewCustomer): Promise<'created' | 'exists'> {
      if (await this.get(c.id)) return 'exists';
      try {
        await runAtomic(db, [
          db.insert(customers).values({ id: c.id, displayName: c.displayName ?? null, email: c.email ?? null, createdAt: c.now }),
          ...c.phones.map((phone) => db.insert(customerPhones).values({ phone, customerId: c.id }).onConflictDoNothing()),
          ...c.accountRefs.map((ref) => db.insert(accountRefs).values({ ref, customerId: c.id })),
          ...c.kba.map((k) =>
            db.insert(kbaAnswers).values({
              customerId: c.id,
              questionId: k.id,
              level: k.level,
              question: k.question,
              answerHash: k.answerHash,
            }),
          ),
          ...(c.totpSealed
            ? [db.insert(totpSecrets).values({ customerId: c.id, secretSealed: c.totpSealed, createdAt: c.now })]
            : []),
        ]);
      } catch (err) {
        if (isUniqueViolation(err)) return 'exists';
        throw err;
      }
      changed(c.id); // after the commit, so no hint read before it outlives it
      return 'created';
    },
    async addDevice(d: { id: string; customerId: string; publicKeyJwk: JsonWebKey; now: number }) {
      const rows = await db
        .insert(devices)
        .values({ id: d.id, customerId: d.customerId, publicKeyJwk: d.publicKeyJwk, createdAt: d.now })
        .onConflictDoNothing()
        .returning();
      if (rows.length) {
        changed(d.customerId); // after the commit, so no hint read before it outlives it
        return 'created' as const;
      }
      const existing = await this.device(d.id);
      return existing?.customerId === d.customerId &&
        JSON.stringify(existing.publicKeyJwk) === JSON.stringify(d.publicKeyJwk)
        ? ('unchanged' as const)
        : ('conflict' as const);
    },
  };
}

export type CustomerStore = ReturnType<typeof createCustomerStore>;
