import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import { sha256Hex } from '../crypto/hmac.js';
import { TRANSFER_FAULT_STEPS } from '../fault.js';
import { runAtomic } from './atomic.js';
import type { Db } from './db.js';
import { literalLimit } from './sql.js';
import { ledgerAccounts, ledgerTransfers } from './schema/ledger.js';
import { MAX_TRANSFER_CENTS, MAX_CARD_LIMIT_CENTS, type LedgerAccount, type SeedAccount, type TransferRecord, type TransferReason, type TransferRequest, type TransferOutcome, type CardLimitReason, type CardLimitRequest, type CardLimitOutcome, type AccountResolution, type ResolveOptions, type LedgerStore, type LedgerStoreOptions } from './ledger-types.js';
import { kindWord, normalizeRef } from './ledger-refs.js';

// The demo ledger behind the example post-auth tools. Money is integer cents. Every state change
// is ONE conditional statement, and a transfer's four (claim, debit, credit, settle) commit as one
// atomic unit: a crash anywhere leaves either the whole transfer or nothing. The claim is keyed by
// the UNIQUE idempotency key, so a retried tool call answers the stored outcome instead of moving
// money twice.

export * from './ledger-types.js';
export { normalizeRef } from './ledger-refs.js';

const p = sql.placeholder;

interface TransferUnit {
  id: string;
  key: string;
  callId: string;
  customerId: string;
  fromRef: string;
  toRef: string;
  amountCents: number;
  now: number;
}

/**
 * A transfer's four statements, built up front and run all-or-nothing (one better-sqlite3
 * transaction on Node, one `batch` on D1). Nothing is read between them: the claim decides in SQL,
 * stores the decision in `reason` while the row is pending, and the others act only on a pending
 * row with a decision. A twin request's claim inserts nothing, the row it meets is already
 * settled, so its other three statements change nothing either.
 */
function transferStatements(db: Db, u: TransferUnit) {
  const a = ledgerAccounts;
  const t = ledgerTransfers;
  // This unit's row, claimed and found good: only then does money move.
  const approved = sql`exists (select 1 from ${t} where ${t.id} = ${u.id} and ${t.status} = 'pending' and ${t.reason} = 'ok')`;
  const funded = sql`exists (select 1 from ${a} where ${a.ref} = ${u.fromRef} and ${a.customerId} = ${u.customerId} and ${a.balanceCents} >= ${u.amountCents})`;
  const destination = sql`exists (select 1 from ${a} where ${a.ref} = ${u.toRef})`;
  return [
    // 1. Claim: the UNIQUE idempotency key decides which of several identical requests executes.
    db
      .insert(t)
      .values({
        id: u.id,
        idempotencyKey: u.key,
        callId: u.callId,
        customerId: u.customerId,
        fromRef: u.fromRef,
        toRef: u.toRef,
        amountCents: u.amountCents,
        status: 'pending',
        reason: sql`(case when not ${funded} then 'insufficient_funds' when not ${destination} then 'unknown_account' else 'ok' end)`,
        createdAt: u.now,
      })
      .onConflictDoNothing({ target: t.idempotencyKey }),
    // 2. Debit: only the owner's account, only if the money is there (checked again, in SQL).
    db
      .update(a)
      .set({ balanceCents: sql`${a.balanceCents} - ${u.amountCents}` })
      .where(and(eq(a.ref, u.fromRef), eq(a.customerId, u.customerId), sql`${a.balanceCents} >= ${u.amountCents}`, approved)),
    // 3. Credit.
    db
      .update(a)
      .set({ balanceCents: sql`${a.balanceCents} + ${u.amountCents}` })
      .where(and(eq(a.ref, u.toRef), approved)),
    // 4. Settle: pending → completed | rejected, once.
    db
      .update(t)
      .set({ status: sql`(case when ${t.reason} = 'ok' then 'completed' else 'rejected' end)` })
      .where(and(eq(t.id, u.id), eq(t.status, 'pending'), isNotNull(t.reason))),
  ];
}

export function createLedgerStore(db: Db, opts: LedgerStoreOptions = {}): LedgerStore {
  const fault = opts.fault;

  const accountsOfQ = db
    .select()
    .from(ledgerAccounts)
    .where(eq(ledgerAccounts.customerId, p('customerId')))
    .orderBy(asc(ledgerAccounts.ref))
    .prepare();

  const accountByRefQ = db.select().from(ledgerAccounts).where(eq(ledgerAccounts.ref, p('ref'))).limit(literalLimit(1)).prepare();

  const transferByKeyQ = db
    .select()
    .from(ledgerTransfers)
    .where(eq(ledgerTransfers.idempotencyKey, p('key')))
    .limit(literalLimit(1))
    .prepare();

  // Pending → rejected for rows no live unit can own (see recoverInterrupted); one statement.
  const recoverQ = db
    .update(ledgerTransfers)
    .set({ status: 'rejected', reason: 'interrupted' })
    .where(eq(ledgerTransfers.status, 'pending'))
    .returning()
    .prepare();

  const setLimitQ = db
    .update(ledgerAccounts)
    .set({ cardLimitCents: p('limit') as never })
    .where(
      and(
        eq(ledgerAccounts.ref, p('ref')),
        eq(ledgerAccounts.customerId, p('customerId')),
        eq(ledgerAccounts.kind, 'card'),
      ),
    )
    .returning()
    .prepare();

  const seedQ = db
    .insert(ledgerAccounts)
    .values({
      ref: p('ref'),
      customerId: p('customerId'),
      kind: p('kind') as never,
      currency: p('currency'),
      balanceCents: p('balance'),
      cardLimitCents: p('limit'),
    })
    .onConflictDoNothing({ target: ledgerAccounts.ref })
    .returning({ ref: ledgerAccounts.ref })
    .prepare();

  async function accountsOf(customerId: string): Promise<LedgerAccount[]> {
    return (await accountsOfQ.all({ customerId })) as LedgerAccount[];
  }

  async function resolveAccount(
    customerId: string,
    input: string | undefined,
    o: ResolveOptions = {},
    /** The customer's accounts, when the caller already read them (a transfer resolves two refs). */
    own?: LedgerAccount[],
  ): Promise<AccountResolution> {
    own ??= await accountsOf(customerId);
    const raw = (input ?? '').trim();
    const pick = (matches: LedgerAccount[]): AccountResolution =>
      matches.length === 1
        ? { ok: true, account: matches[0]!, own: true }
        : { ok: false, reason: matches.length === 0 ? 'unknown_account' : 'ambiguous_account' };

    if (raw === '') {
      return o.defaultKind ? pick(own.filter((a) => a.kind === o.defaultKind)) : { ok: false, reason: 'unknown_account' };
    }
    const kind = kindWord(raw);
    if (kind) return pick(own.filter((a) => a.kind === kind));

    const norm = normalizeRef(raw);
    if (norm === '') return { ok: false, reason: 'unknown_account' };
    const exact = own.filter((a) => normalizeRef(a.ref) === norm);
    if (exact.length > 0) return pick(exact);
    // "Last 4" (or more trailing characters) among the caller's own accounts only.
    if (norm.length >= 4) {
      const bySuffix = own.filter((a) => normalizeRef(a.ref).endsWith(norm));
      if (bySuffix.length > 0) return pick(bySuffix);
    }
    if (o.allowForeign) {
      const found = (await accountByRefQ.get({ ref: raw })) as LedgerAccount | undefined;
      if (found) return { ok: true, account: found, own: found.customerId === customerId };
    }
    return { ok: false, reason: 'unknown_account' };
  }

  async function byKey(key: string): Promise<TransferRecord | undefined> {
    const row = (await transferByKeyQ.get({ key })) as (TransferRecord & Record<string, unknown>) | undefined;
    return row ? toRecord(row) : undefined;
  }

  async function accountByRef(ref: string): Promise<LedgerAccount | undefined> {
    return (await accountByRefQ.get({ ref })) as LedgerAccount | undefined;
  }

  async function currencyOf(ref: string): Promise<string | null> {
    return (await accountByRef(ref))?.currency ?? null;
  }

  /** A stored transfer as an answer; `currency` when the caller already knows the source account's. */
  async function stored(rec: TransferRecord, currency?: string): Promise<TransferOutcome> {
    return {
      ok: rec.status === 'completed',
      reason: rec.status === 'pending' ? 'in_progress' : ((rec.reason ?? (rec.status === 'completed' ? 'ok' : 'unknown_account')) as TransferReason),
      transfer: rec,
      currency: currency ?? (await currencyOf(rec.fromRef)),
      replayed: true,
    };
  }

  async function transfer(req: TransferRequest): Promise<TransferOutcome> {
    const refused = (reason: TransferReason): TransferOutcome => ({
      ok: false,
      reason,
      transfer: null,
      currency: null,
      replayed: false,
    });
    if (!Number.isSafeInteger(req.amountCents) || req.amountCents <= 0 || req.amountCents > MAX_TRANSFER_CENTS) {
      return refused('invalid_amount');
    }

    // A retry of a request already seen answers its stored outcome, whatever changed since.
    const seen = await byKey(req.idempotencyKey);
    if (seen) return stored(seen);

    const own = await accountsOf(req.customerId);
    const from = await resolveAccount(req.customerId, req.fromRef, { defaultKind: 'checking' }, own);
    if (!from.ok) return refused(from.reason);
    const to = await resolveAccount(req.customerId, req.toRef, { allowForeign: true }, own);
    if (!to.ok) return refused(to.reason);
    if (from.account.ref === to.account.ref) return refused('same_account');
    if (from.account.kind === 'card' || to.account.kind === 'card') return refused('unsupported_account');
    if (from.account.currency !== to.account.currency) return refused('currency_mismatch');

    const id = `trf_${(await sha256Hex(`ledger-transfer:v1\n${req.idempotencyKey}`)).slice(0, 26)}`;
    const statements = transferStatements(db, {
      id,
      key: req.idempotencyKey,
      callId: req.callId,
      customerId: req.customerId,
      fromRef: from.account.ref,
      toRef: to.account.ref,
      amountCents: req.amountCents,
      now: req.now,
    });
    // Statement i ends at step boundary i (claim, debit, credit, settle), still inside the unit.
    const afterEach = fault && ((i: number) => fault(`transfer:${TRANSFER_FAULT_STEPS[i]!}`));
    const [claimed] = await runAtomic(db, statements, afterEach ? { afterEach } : {});
    fault?.('transfer:after_commit');

    // Claimed or not, the row is settled now: this unit's outcome, or a twin's that won the key.
    const rec = await byKey(req.idempotencyKey);
    if (!rec) throw new Error('ledger: transfer unit committed but its row is not readable');
    return { ...(await stored(rec, from.account.currency)), replayed: claimed === 0 };
  }

  async function setCardLimit(req: CardLimitRequest): Promise<CardLimitOutcome> {
    const fail = (reason: CardLimitReason): CardLimitOutcome => ({ ok: false, reason, account: null, previousLimitCents: null });
    if (!Number.isSafeInteger(req.limitCents) || req.limitCents <= 0 || req.limitCents > MAX_CARD_LIMIT_CENTS) {
      return fail('invalid_limit');
    }
    const card = await resolveAccount(req.customerId, req.cardRef, { defaultKind: 'card' });
    if (!card.ok) return fail(card.reason);
    if (card.account.kind !== 'card') return fail('not_a_card');
    const rows = (await setLimitQ.all({
      ref: card.account.ref,
      customerId: req.customerId,
      limit: req.limitCents,
    })) as LedgerAccount[];
    const updated = rows[0];
    if (!updated) return fail('unknown_account');
    return { ok: true, reason: 'ok', account: updated, previousLimitCents: card.account.cardLimitCents };
  }

  async function seedAccounts(customerId: string, accounts: readonly SeedAccount[]): Promise<number> {
    let inserted = 0;
    for (const a of accounts) {
      const rows = (await seedQ.all({
        ref: a.ref,
        customerId,
        kind: a.kind,
        currency: a.currency ?? 'USD',
        balance: a.balanceCents ?? 0,
        limit: a.cardLimitCents ?? null,
      })) as unknown[];
      inserted += rows.length;
    }
    return inserted;
  }

  async function recoverInterrupted(): Promise<TransferRecord[]> {
    const rows = (await recoverQ.all()) as TransferRecord[];
    return rows.map(toRecord);
  }

  return { accountsOf, accountByRef, resolveAccount, transfer, setCardLimit, seedAccounts, recoverInterrupted };
}

function toRecord(row: TransferRecord): TransferRecord {
  return {
    id: row.id,
    fromRef: row.fromRef,
    toRef: row.toRef,
    amountCents: row.amountCents,
    status: row.status,
    reason: row.reason,
    createdAt: row.createdAt,
  };
}
