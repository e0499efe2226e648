// The ledger through drizzle's D1 driver: the transfer unit goes out as ONE `batch` (as on
// Workers), with every condition inside its SQL. The D1 binding is a stand-in over an in-memory
// better-sqlite3 database that runs a batch as one transaction, as D1 does.
import { drizzle } from 'drizzle-orm/d1';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDb } from '../../test/helpers/db.js';
import { fakeD1 } from '../../test/helpers/d1.js';
import type { OpenedSqlite } from '../runtime/node/sqlite.js';
import type { Db } from './db.js';
import { createLedgerStore, type LedgerStore, type TransferRequest } from './ledger.js';
import * as schema from './schema/index.js';

let t: OpenedSqlite;
let ledger: LedgerStore;
let batches: string[][];

beforeEach(async () => {
  t = openTestDb();
  batches = [];
  const d1 = drizzle(fakeD1(t.sqlite, batches) as never, { schema }) as unknown as Db;
  ledger = createLedgerStore(d1);
  await ledger.seedAccounts('cust_alice', [
    { ref: 'CHK-0001-1234', kind: 'checking', balanceCents: 100_000 },
    { ref: 'SAV-0001-5678', kind: 'savings', balanceCents: 50_000 },
  ]);
});
afterEach(() => t.close());

const req = (over: Partial<TransferRequest> = {}): TransferRequest => ({
  callId: 'CA1',
  customerId: 'cust_alice',
  toRef: '5678',
  amountCents: 3_000,
  now: 1_000,
  idempotencyKey: 'key-1',
  ...over,
});
const balances = async () => Object.fromEntries((await ledger.accountsOf('cust_alice')).map((a) => [a.ref, a.balanceCents]));

describe('ledger on the D1 driver', () => {
  it('runs a transfer as one batch of four statements, and a retry moves nothing', async () => {
    expect(await ledger.transfer(req())).toMatchObject({ ok: true, replayed: false, transfer: { status: 'completed' } });
    expect(batches).toEqual([['statement', 'statement', 'statement', 'statement']]);
    expect(await ledger.transfer(req())).toMatchObject({ ok: true, replayed: true });
    expect(await balances()).toEqual({ 'CHK-0001-1234': 97_000, 'SAV-0001-5678': 53_000 });
  });

  it('decides funds inside the batch: concurrent transfers never overdraw', async () => {
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => ledger.transfer(req({ idempotencyKey: `k${i}` }))));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(33);
    expect(outcomes.filter((o) => o.reason === 'insufficient_funds')).toHaveLength(17);
    expect(await balances()).toEqual({ 'CHK-0001-1234': 1_000, 'SAV-0001-5678': 50_000 + 33 * 3_000 });
  });

  it('identical concurrent requests: one executes, the others answer its stored outcome', async () => {
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => ledger.transfer(req())));
    expect(outcomes.filter((o) => !o.replayed)).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.transfer?.id)).size).toBe(1);
    expect(await balances()).toEqual({ 'CHK-0001-1234': 97_000, 'SAV-0001-5678': 53_000 });
  });
});
