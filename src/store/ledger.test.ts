import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDb } from '../../test/helpers/db.js';
import { FAULT_POINTS, type FaultPoint } from '../fault.js';
import type { OpenedSqlite } from '../runtime/node/sqlite.js';
import { createLedgerStore, type LedgerStore, type TransferRequest } from './ledger.js';

let t: OpenedSqlite;
let ledger: LedgerStore;

const balances = async (customerId: string) =>
  Object.fromEntries((await ledger.accountsOf(customerId)).map((a) => [a.ref, a.balanceCents]));

beforeEach(async () => {
  t = openTestDb();
  ledger = createLedgerStore(t.db);
  await ledger.seedAccounts('cust_alice', [
    { ref: 'CHK-0001-1234', kind: 'checking', balanceCents: 100_000 },
    { ref: 'SAV-0001-5678', kind: 'savings', balanceCents: 50_000 },
    { ref: 'CRD-0001-9012', kind: 'card', balanceCents: 0, cardLimitCents: 200_000 },
  ]);
  await ledger.seedAccounts('cust_bob', [
    { ref: 'CHK-0002-4321', kind: 'checking', balanceCents: 70_000 },
    { ref: 'CRD-0002-8765', kind: 'card', cardLimitCents: 100_000 },
  ]);
});
afterEach(() => t.close());

const req = (over: Partial<TransferRequest> = {}): TransferRequest => ({
  callId: 'CA1',
  customerId: 'cust_alice',
  toRef: '5678',
  amountCents: 2_500,
  memo: 'rent',
  now: 1_000,
  idempotencyKey: 'key-1',
  ...over,
});

describe('ledger store', () => {
  it('seeds idempotently and never takes over another customer’s ref', async () => {
    expect(await ledger.seedAccounts('cust_alice', [{ ref: 'CHK-0001-1234', kind: 'checking', balanceCents: 1 }])).toBe(0);
    expect(await ledger.seedAccounts('cust_eve', [{ ref: 'CHK-0002-4321', kind: 'checking', balanceCents: 1 }])).toBe(0);
    expect(await balances('cust_alice')).toMatchObject({ 'CHK-0001-1234': 100_000 });
    expect(await ledger.accountsOf('cust_eve')).toEqual([]);
  });

  it('moves money once under 50 concurrent identical requests', async () => {
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => ledger.transfer(req())));
    expect(await balances('cust_alice')).toMatchObject({ 'CHK-0001-1234': 97_500, 'SAV-0001-5678': 52_500 });
    const ids = new Set(outcomes.map((o) => o.transfer?.id));
    expect(ids.size).toBe(1);
    for (const o of outcomes) {
      expect(o).toMatchObject({ ok: true, reason: 'ok', currency: 'USD' });
      expect(o.transfer).toMatchObject({ status: 'completed', fromRef: 'CHK-0001-1234', toRef: 'SAV-0001-5678', amountCents: 2_500 });
    }
    expect(outcomes.filter((o) => !o.replayed)).toHaveLength(1);
    const rows = t.sqlite.prepare('SELECT count(*) AS n FROM ledger_transfers').get() as { n: number };
    expect(rows.n).toBe(1);
  });

  it('answers a later retry with the stored outcome, even after balances changed', async () => {
    const first = await ledger.transfer(req({ amountCents: 100_000 }));
    expect(first).toMatchObject({ ok: true, replayed: false });
    const again = await ledger.transfer(req({ amountCents: 100_000 }));
    expect(again).toMatchObject({ ok: true, replayed: true, transfer: first.transfer });
    expect(await balances('cust_alice')).toMatchObject({ 'CHK-0001-1234': 0, 'SAV-0001-5678': 150_000 });
  });

  it('different keys are different transfers', async () => {
    await ledger.transfer(req({ idempotencyKey: 'a' }));
    await ledger.transfer(req({ idempotencyKey: 'b' }));
    expect(await balances('cust_alice')).toMatchObject({ 'CHK-0001-1234': 95_000, 'SAV-0001-5678': 55_000 });
  });

  it('never overdraws under concurrent distinct transfers', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => ledger.transfer(req({ idempotencyKey: `k${i}`, amountCents: 3_000 }))),
    );
    const done = outcomes.filter((o) => o.ok).length;
    expect(done).toBe(33);
    expect(outcomes.filter((o) => o.reason === 'insufficient_funds')).toHaveLength(17);
    expect(await balances('cust_alice')).toMatchObject({ 'CHK-0001-1234': 1_000, 'SAV-0001-5678': 50_000 + 33 * 3_000 });
  });

  it('insufficient funds leaves balances unchanged, and the refusal is stored for retries', async () => {
    const before = await balances('cust_alice');
    const o = await ledger.transfer(req({ amountCents: 100_001 }));
    expect(o).toMatchObject({ ok: false, reason: 'insufficient_funds', transfer: { status: 'rejected' } });
    expect(await balances('cust_alice')).toEqual(before);
    expect(await ledger.transfer(req({ amountCents: 100_001 }))).toMatchObject({
      ok: false,
      reason: 'insufficient_funds',
      replayed: true,
    });
    expect(await balances('cust_alice')).toEqual(before);
  });

  it('refuses another customer’s account as source, by full ref or last 4, without moving money', async () => {
    const aliceBefore = await balances('cust_alice');
    const bobBefore = await balances('cust_bob');
    for (const fromRef of ['CHK-0002-4321', '4321']) {
      const o = await ledger.transfer(req({ fromRef, idempotencyKey: `foreign-${fromRef}` }));
      expect(o).toMatchObject({ ok: false, reason: 'unknown_account', transfer: null });
    }
    expect(await balances('cust_alice')).toEqual(aliceBefore);
    expect(await balances('cust_bob')).toEqual(bobBefore);
  });

  it('resolves a foreign destination only by its exact full ref', async () => {
    expect(await ledger.transfer(req({ toRef: '4321', idempotencyKey: 'x1' }))).toMatchObject({ reason: 'unknown_account' });
    const o = await ledger.transfer(req({ toRef: 'CHK-0002-4321', idempotencyKey: 'x2' }));
    expect(o).toMatchObject({ ok: true });
    expect(await balances('cust_bob')).toMatchObject({ 'CHK-0002-4321': 72_500 });
  });

  it('refuses unknown, same, card and bad-amount transfers before recording anything', async () => {
    expect(await ledger.transfer(req({ toRef: '0000' }))).toMatchObject({ reason: 'unknown_account' });
    expect(await ledger.transfer(req({ toRef: 'checking' }))).toMatchObject({ reason: 'same_account' });
    expect(await ledger.transfer(req({ toRef: '9012' }))).toMatchObject({ reason: 'unsupported_account' });
    expect(await ledger.transfer(req({ fromRef: 'card' }))).toMatchObject({ reason: 'unsupported_account' });
    for (const amountCents of [0, -1, 1.5, 100_000_001]) {
      expect(await ledger.transfer(req({ amountCents }))).toMatchObject({ reason: 'invalid_amount' });
    }
    const rows = t.sqlite.prepare('SELECT count(*) AS n FROM ledger_transfers').get() as { n: number };
    expect(rows.n).toBe(0);
  });

  it('resolves refs by full ref, last digits, or kind word', async () => {
    for (const input of ['CHK-0001-1234', 'chk00011234', '1234', '…1234', 'checking', 'Checking account']) {
      expect(await ledger.resolveAccount('cust_alice', input)).toMatchObject({ ok: true, account: { ref: 'CHK-0001-1234' } });
    }
    expect(await ledger.resolveAccount('cust_alice', undefined, { defaultKind: 'savings' })).toMatchObject({
      ok: true,
      account: { ref: 'SAV-0001-5678' },
    });
    expect(await ledger.resolveAccount('cust_alice', '12')).toMatchObject({ ok: false, reason: 'unknown_account' });
    await ledger.seedAccounts('cust_alice', [{ ref: 'SAV-0009-1234', kind: 'savings' }]);
    expect(await ledger.resolveAccount('cust_alice', '1234')).toMatchObject({ ok: false, reason: 'ambiguous_account' });
  });

  it('card limit: bounded, own cards only', async () => {
    for (const limitCents of [0, -100, 5_000_001, 12.5]) {
      expect(await ledger.setCardLimit({ customerId: 'cust_alice', limitCents })).toMatchObject({ ok: false, reason: 'invalid_limit' });
    }
    expect(await ledger.setCardLimit({ customerId: 'cust_alice', limitCents: 5_000_000 })).toMatchObject({
      ok: true,
      previousLimitCents: 200_000,
      account: { ref: 'CRD-0001-9012', cardLimitCents: 5_000_000 },
    });
    expect(await ledger.setCardLimit({ customerId: 'cust_alice', cardRef: '8765', limitCents: 1 })).toMatchObject({
      ok: false,
      reason: 'unknown_account',
    });
    expect(await ledger.setCardLimit({ customerId: 'cust_alice', cardRef: 'CRD-0002-8765', limitCents: 1 })).toMatchObject({
      ok: false,
      reason: 'unknown_account',
    });
    expect(await ledger.setCardLimit({ customerId: 'cust_alice', cardRef: '1234', limitCents: 1 })).toMatchObject({
      ok: false,
      reason: 'not_a_card',
    });
    const bob = await ledger.accountsOf('cust_bob');
    expect(bob.find((a) => a.ref === 'CRD-0002-8765')?.cardLimitCents).toBe(100_000);
  });
});

describe('a transfer is one atomic unit', () => {
  const total = async () =>
    (t.sqlite.prepare('SELECT sum(balance_cents) AS s FROM ledger_accounts').get() as { s: number }).s;
  const rows = () => t.sqlite.prepare('SELECT status, reason FROM ledger_transfers').all();
  class Crash extends Error {}

  it.each(FAULT_POINTS.filter((p) => p !== 'transfer:after_commit'))(
    'a crash at %s leaves no trace, and the retry moves the money once',
    async (point) => {
      const before = await balances('cust_alice');
      const sum = await total();
      const crashing = createLedgerStore(t.db, {
        fault: (p: FaultPoint) => {
          if (p === point) throw new Crash(p);
        },
      });
      await expect(crashing.transfer(req())).rejects.toBeInstanceOf(Crash);
      expect(await balances('cust_alice')).toEqual(before);
      expect(rows()).toEqual([]);
      expect(await total()).toBe(sum);

      const retry = await ledger.transfer(req());
      expect(retry).toMatchObject({ ok: true, reason: 'ok', replayed: false, transfer: { status: 'completed' } });
      expect(await ledger.transfer(req())).toMatchObject({ ok: true, replayed: true });
      expect(await balances('cust_alice')).toMatchObject({ 'CHK-0001-1234': 97_500, 'SAV-0001-5678': 52_500 });
      expect(await total()).toBe(sum);
    },
  );

  it('a crash after the commit leaves the whole transfer, and the retry answers it without moving money again', async () => {
    const crashing = createLedgerStore(t.db, {
      fault: (p) => {
        if (p === 'transfer:after_commit') throw new Crash(p);
      },
    });
    await expect(crashing.transfer(req())).rejects.toBeInstanceOf(Crash);
    expect(rows()).toEqual([{ status: 'completed', reason: 'ok' }]);
    expect(await ledger.transfer(req())).toMatchObject({ ok: true, replayed: true, transfer: { status: 'completed' } });
    expect(await balances('cust_alice')).toMatchObject({ 'CHK-0001-1234': 97_500, 'SAV-0001-5678': 52_500 });
  });

  it('reaches every step boundary in order, and a refusal settles in the same unit', async () => {
    const seen: string[] = [];
    const watched = createLedgerStore(t.db, { fault: (p) => seen.push(p) });
    expect(await watched.transfer(req({ amountCents: 100_001 }))).toMatchObject({ ok: false, reason: 'insufficient_funds' });
    expect(seen).toEqual([...FAULT_POINTS]);
    expect(rows()).toEqual([{ status: 'rejected', reason: 'insufficient_funds' }]);
  });

  it('start-up recovery gives a transfer left pending its terminal outcome; its retry answers that at once', async () => {
    const sum = await total();
    // What the earlier four-commit code left behind when killed after its claim.
    t.sqlite
      .prepare(
        `INSERT INTO ledger_transfers (id, idempotency_key, call_id, customer_id, from_ref, to_ref, amount_cents, status, created_at)
         VALUES ('trf_stuck', 'key-1', 'CA1', 'cust_alice', 'CHK-0001-1234', 'SAV-0001-5678', 2500, 'pending', 1)`,
      )
      .run();
    expect(await ledger.transfer(req())).toMatchObject({ ok: false, reason: 'in_progress' });
    const recovered = await ledger.recoverInterrupted();
    expect(recovered).toMatchObject([{ id: 'trf_stuck', status: 'rejected', reason: 'interrupted' }]);
    expect(await ledger.recoverInterrupted()).toEqual([]);
    expect(await ledger.transfer(req())).toMatchObject({
      ok: false,
      reason: 'interrupted',
      replayed: true,
      transfer: { id: 'trf_stuck', status: 'rejected' },
    });
    expect(await total()).toBe(sum);
    // Terminal stays terminal: a settled transfer is never recovered again.
    await ledger.transfer(req({ idempotencyKey: 'key-2' }));
    expect(await ledger.recoverInterrupted()).toEqual([]);
  });
});
