// The demo ledger's records, requests and outcomes (the store is ledger.ts). Money is integer cents.
import type { FaultHook } from '../fault.js';

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
  /** A pending row: only a dead process leaves one, and start-up recovery settles it. */
  | 'in_progress'
  /** Left pending by a process that died mid-transfer, and settled as rejected at start-up. */
  | 'interrupted';

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
  /** The account with exactly this ref, whoever holds it. */
  accountByRef(ref: string): Promise<LedgerAccount | undefined>;
  resolveAccount(customerId: string, input: string | undefined, opts?: ResolveOptions): Promise<AccountResolution>;
  transfer(req: TransferRequest): Promise<TransferOutcome>;
  setCardLimit(req: CardLimitRequest): Promise<CardLimitOutcome>;
  /** Inserts accounts that do not exist yet (by ref); never overwrites an existing account. Returns how many were inserted. */
  seedAccounts(customerId: string, accounts: readonly SeedAccount[]): Promise<number>;
  /**
   * Start-up: settles every transfer still `pending` as rejected (`interrupted`) and returns them.
   * A unit of this code never commits a pending row, so these were left by a dead process.
   */
  recoverInterrupted(): Promise<TransferRecord[]>;
}

export interface LedgerStoreOptions {
  /** Fault injection for crash tests: called at each step boundary of a transfer. */
  fault?: FaultHook;
}

/** Largest single transfer (1,000,000.00) and card limit (50,000.00), in cents. */
export const MAX_TRANSFER_CENTS = 100_000_000;
export const MAX_CARD_LIMIT_CENTS = 5_000_000;
