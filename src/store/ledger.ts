import { and, asc, eq, gte, sql } from 'drizzle-orm';
import { sha256Hex } from '../crypto/hmac.js';
import type { Db } from './db.js';
import { literalLimit } from './sql.js';
import { ledgerAccounts, ledgerTransfers } from './schema/ledger.js';

// The demo ledger behind the example post-auth tools. Money is integer cents. Every state change
// is ONE conditional statement (see "Guarantees" in README.md); a transfer is claimed by
// its UNIQUE idempotency key first, so a retried tool call answers the stored outcome instead of
// moving money twice.

export type AccountKind = 'checking' | 'savings' | 'card';

export interface LedgerAccount {
  ref: string;
  customerId: string;
  kind: AccountKind;
  currency: string;
  balanceCents: number;
  cardLimitCents: number | null;
}

export interface SeedAccount {
  ref: string;
  kind: AccountKind;
  balanceCents?: number;
  currency?: string;
  cardLimitCents?: number | null;
}

export type TransferStatus = 'pending' | 'completed' | 'rejected';

export interface TransferRecord {
  id: string;
  fromRef: string;
  toRef: string;
  amountCents: number;
  status: TransferStatus;
  reason: string | null;
  createdAt: number;
}

export type AccountLookupFailure = 'unknown_account' | 'ambiguous_account';

export type TransferReason =
  | 'ok'
  | 'insufficient_funds'
  | AccountLookupFailure
  | 'same_account'
  | 'unsupported_account'
  | 'currency_mismatch'
  | 'invalid_amount'
  | 'in_progress';

export interface TransferRequest {
  callId: string;
  customerId: string;
  /** Full ref, its last digits, or a kind word (`checking`); default: the caller's checking account. */
  fromRef?: string | undefined;
  /** One of the caller's accounts (full ref, last digits, kind word) or any account by its full ref. */
  toRef: string;
  amountCents: number;
  /** Part of the caller's idempotency key; the schema has no memo column, so it is not stored. */
  memo?: string | undefined;
  now: number;
  /** Same key = same transfer: answered from the stored row, never executed twice. */
  idempotencyKey: string;
}

export interface TransferOutcome {
  ok: boolean;
  reason: TransferReason;
  /** The stored transfer; null when the request was refused before a transfer was recorded. */
  transfer: TransferRecord | null;
  /** Currency of the source account (null when no transfer was recorded). */
  currency: string | null;
  /** True when this answer is the stored outcome of an earlier request with the same key. */
  replayed: boolean;
}

export type CardLimitReason = 'ok' | AccountLookupFailure | 'not_a_card' | 'invalid_limit';

export interface CardLimitRequest {
  customerId: string;
  /** Full ref or last digits; default: the caller's only card. */
  cardRef?: string | undefined;
  limitCents: number;
}

export interface CardLimitOutcome {
  ok: boolean;
  reason: CardLimitReason;
  account: LedgerAccount | null;
  previousLimitCents: number | null;
}

export type AccountResolution =
  | { ok: true; account: LedgerAccount; own: boolean }
  | { ok: false; reason: AccountLookupFailure };

export interface ResolveOptions {
  /** Used when `input` is empty: the caller's single account of this kind. */
  defaultKind?: AccountKind;
  /** Also accept another customer's account, by its exact full ref only (transfer destination). */
  allowForeign?: boolean;
}

export interface LedgerStore {
  accountsOf(customerId: string): Promise<LedgerAccount[]>;
  resolveAccount(customerId: string, input: string | undefined, opts?: ResolveOptions): Promise<AccountResolution>;
  transfer(req: TransferRequest): Promise<TransferOutcome>;
  setCardLimit(req: CardLimitRequest): Promise<CardLimitOutcome>;
  /** Inserts accounts that do not exist yet (by ref); never overwrites an existing account. Returns how many were inserted. */
  seedAccounts(customerId: string, accounts: readonly SeedAccount[]): Promise<number>;
}

export interface LedgerStoreOptions {
  /** How long a duplicate request waits for an in-flight twin to finish before answering `in_progress`. */
  pendingWaitMs?: number;
}

/** Largest single transfer (1,000,000.00) and card limit (50,000.00), in cents. */
export const MAX_TRANSFER_CENTS = 100_000_000;
export const MAX_CARD_LIMIT_CENTS = 5_000_000;

const p = sql.placeholder;

/** Upper-case alphanumerics only: "…1234", "chk-00 1234" and "CHK001234" compare alike. */
export function normalizeRef(s: string): string {
  return s.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

const KIND_WORDS: Record<string, AccountKind> = {
  checking: 'checking',
  chequing: 'checking',
  current: 'checking',
  savings: 'savings',
  saving: 'savings',
  card: 'card',
  'credit card': 'card',
  credit: 'card',
};

function kindWord(input: string): AccountKind | undefined {
  const w = input
    .toLowerCase()
    .replace(/\baccount\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return KIND_WORDS[w];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createLedgerStore(db: Db, opts: LedgerStoreOptions = {}): LedgerStore {
  const pendingWaitMs = opts.pendingWaitMs ?? 2_000;

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

  // 1. Claim: the UNIQUE idempotency key decides which of several identical requests executes.
  const claimQ = db
    .insert(ledgerTransfers)
    .values({
      id: p('id'),
      idempotencyKey: p('key'),
      callId: p('callId'),
      customerId: p('customerId'),
      fromRef: p('fromRef'),
      toRef: p('toRef'),
      amountCents: p('amount'),
      status: 'pending',
      createdAt: p('now'),
    })
    .onConflictDoNothing({ target: ledgerTransfers.idempotencyKey })
    .returning({ id: ledgerTransfers.id })
    .prepare();

  // 2. Debit: only the owner's account, only if the money is there. Zero rows = insufficient funds.
  const debitQ = db
    .update(ledgerAccounts)
    .set({ balanceCents: sql`${ledgerAccounts.balanceCents} - ${p('amount')}` })
    .where(
      and(
        eq(ledgerAccounts.ref, p('ref')),
        eq(ledgerAccounts.customerId, p('customerId')),
        gte(ledgerAccounts.balanceCents, p('amount')),
      ),
    )
    .returning({ ref: ledgerAccounts.ref })
    .prepare();

  // 3. Credit (and the refund that undoes a debit whose credit found no account).
  const creditQ = db
    .update(ledgerAccounts)
    .set({ balanceCents: sql`${ledgerAccounts.balanceCents} + ${p('amount')}` })
    .where(eq(ledgerAccounts.ref, p('ref')))
    .returning({ ref: ledgerAccounts.ref })
    .prepare();

  // 4. Settle: pending → completed | rejected, once.
  const settleQ = db
    .update(ledgerTransfers)
    .set({ status: p('status') as never, reason: p('reason') as never })
    .where(and(eq(ledgerTransfers.id, p('id')), eq(ledgerTransfers.status, 'pending')))
    .returning({ id: ledgerTransfers.id })
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

  async function currencyOf(ref: string): Promise<string | null> {
    const a = (await accountByRefQ.get({ ref })) as LedgerAccount | undefined;
    return a?.currency ?? null;
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

  /** A twin request holds the key: wait (bounded) for it to settle, then answer its outcome. */
  async function awaitSettled(key: string): Promise<TransferOutcome> {
    const deadline = Date.now() + pendingWaitMs;
    let delay = 1;
    for (;;) {
      const rec = await byKey(key);
      if (!rec) throw new Error('ledger: transfer key claimed by another request but not readable');
      if (rec.status !== 'pending' || Date.now() >= deadline) return stored(rec);
      await sleep(delay);
      delay = Math.min(delay * 2, 50);
    }
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
    if (seen) return seen.status === 'pending' ? awaitSettled(req.idempotencyKey) : stored(seen);

    const own = await accountsOf(req.customerId);
    const from = await resolveAccount(req.customerId, req.fromRef, { defaultKind: 'checking' }, own);
    if (!from.ok) return refused(from.reason);
    const to = await resolveAccount(req.customerId, req.toRef, { allowForeign: true }, own);
    if (!to.ok) return refused(to.reason);
    if (from.account.ref === to.account.ref) return refused('same_account');
    if (from.account.kind === 'card' || to.account.kind === 'card') return refused('unsupported_account');
    if (from.account.currency !== to.account.currency) return refused('currency_mismatch');

    const id = `trf_${(await sha256Hex(`ledger-transfer:v1\n${req.idempotencyKey}`)).slice(0, 26)}`;
    const claimed = (await claimQ.all({
      id,
      key: req.idempotencyKey,
      callId: req.callId,
      customerId: req.customerId,
      fromRef: from.account.ref,
      toRef: to.account.ref,
      amount: req.amountCents,
      now: req.now,
    })) as { id: string }[];
    if (claimed.length === 0) return awaitSettled(req.idempotencyKey);

    const settle = async (status: 'completed' | 'rejected', reason: TransferReason): Promise<TransferOutcome> => {
      // Only the claimer settles, so this cannot lose a race; the WHERE keeps a settled row settled regardless.
      await settleQ.run({ id, status, reason });
      const rec = await byKey(req.idempotencyKey);
      if (!rec) throw new Error('ledger: claimed transfer vanished');
      return { ...(await stored(rec, from.account.currency)), replayed: false };
    };

    const debited = (await debitQ.all({
      ref: from.account.ref,
      customerId: req.customerId,
      amount: req.amountCents,
    })) as unknown[];
    if (debited.length === 0) return settle('rejected', 'insufficient_funds');

    const credited = (await creditQ.all({ ref: to.account.ref, amount: req.amountCents })) as unknown[];
    if (credited.length === 0) {
      // The destination disappeared between lookup and credit: put the money back.
      await creditQ.all({ ref: from.account.ref, amount: req.amountCents });
      return settle('rejected', 'unknown_account');
    }
    return settle('completed', 'ok');
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

  return { accountsOf, resolveAccount, transfer, setCardLimit, seedAccounts };
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
