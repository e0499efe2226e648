import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLedgerStore, type LedgerStore } from '../src/store/ledger.js';
import type { OpenedSqlite } from '../src/runtime/node/sqlite.js';
import { openTestDb } from '../test/helpers/db.js';
import { validateToolRequest } from './define.js';
import { postAuthTools, type PostAuthContext, type PostAuthTool } from './post-auth/index.js';

let t: OpenedSqlite;
let ledger: LedgerStore;
let ctx: PostAuthContext;
const ids = { call_id: 'CA1', conversation_id: 'conv_1' };

beforeEach(async () => {
  t = openTestDb();
  ledger = createLedgerStore(t.db);
  await ledger.seedAccounts('cust_alice', [
    { ref: 'CHK-0001-1234', kind: 'checking', balanceCents: 100_000 },
    { ref: 'SAV-0001-5678', kind: 'savings', balanceCents: 50_000 },
    { ref: 'CRD-0001-9012', kind: 'card', cardLimitCents: 200_000 },
  ]);
  await ledger.seedAccounts('cust_bob', [{ ref: 'CHK-0002-4321', kind: 'checking', balanceCents: 70_000 }]);
  ctx = { callId: 'CA1', customerId: 'cust_alice', now: 1_000, ledger };
});
afterEach(() => t.close());

/** What the HTTP layer does after the gate: validate with the tool's schema, then run. */
async function call(tool: PostAuthTool, body: Record<string, unknown>, c: PostAuthContext = ctx) {
  const v = validateToolRequest(tool, { ...ids, ...body });
  if (!v.ok) return { status: 400 as const, body: { success: false, reason: 'invalid_request', errors: v.errors } };
  return tool.run(c, v.value as never);
}

const balanceOf = async (customerId: string, ref: string) =>
  (await ledger.accountsOf(customerId)).find((a) => a.ref === ref)?.balanceCents;

describe('post-auth tools', () => {
  it('every result has success and a snake_case reason', async () => {
    const results = [
      await call(postAuthTools.account_summary, {}),
      await call(postAuthTools.transfer_funds, { to_account: '5678', amount: 1 }),
      await call(postAuthTools.transfer_funds, { to_account: '0000', amount: 1 }),
      await call(postAuthTools.update_card_limit, { new_limit: 100 }),
      await call(postAuthTools.update_card_limit, { new_limit: 0 }),
    ];
    for (const r of results) {
      expect(typeof r.body.success).toBe('boolean');
      expect(r.body.reason).toMatch(/^[a-z]+(_[a-z]+)*$/);
    }
  });

  it('account_summary lists only the caller’s accounts, masked', async () => {
    const r = await call(postAuthTools.account_summary, {});
    expect(r).toEqual({
      status: 200,
      body: {
        success: true,
        reason: 'ok',
        accounts: [
          { account: '…1234', kind: 'checking', currency: 'USD', balance: 1000 },
          { account: '…9012', kind: 'card', currency: 'USD', balance: 0, credit_limit: 2000 },
          { account: '…5678', kind: 'savings', currency: 'USD', balance: 500 },
        ],
      },
    });
    expect(JSON.stringify(r)).not.toMatch(/CHK-|SAV-|CRD-|4321/);
  });

  describe('transfer_funds', () => {
    it('moves money from checking by default and answers a retry with the same result', async () => {
      const body = { to_account: 'savings', amount: 125.5, memo: 'rent' };
      const first = await call(postAuthTools.transfer_funds, body);
      expect(first).toMatchObject({
        status: 200,
        body: {
          success: true,
          reason: 'ok',
          transfer: { from_account: '…1234', to_account: '…5678', amount: 125.5, currency: 'USD', status: 'completed' },
        },
      });
      const retry = await call(postAuthTools.transfer_funds, body);
      expect(retry).toEqual(first);
      const concurrent = await Promise.all(Array.from({ length: 20 }, () => call(postAuthTools.transfer_funds, body)));
      for (const r of concurrent) expect(r).toEqual(first);
      expect(await balanceOf('cust_alice', 'CHK-0001-1234')).toBe(100_000 - 12_550);
      expect(await balanceOf('cust_alice', 'SAV-0001-5678')).toBe(50_000 + 12_550);
    });

    it('a different memo or amount, or another call, is another transfer', async () => {
      await call(postAuthTools.transfer_funds, { to_account: '5678', amount: 10, memo: 'a' });
      await call(postAuthTools.transfer_funds, { to_account: '5678', amount: 10, memo: 'b' });
      await call(postAuthTools.transfer_funds, { to_account: '5678', amount: 10, memo: 'b' }, { ...ctx, callId: 'CA2' });
      expect(await balanceOf('cust_alice', 'SAV-0001-5678')).toBe(50_000 + 3_000);
    });

    it('insufficient funds → 422, balances unchanged', async () => {
      const r = await call(postAuthTools.transfer_funds, { from_account: '5678', to_account: '1234', amount: 500.01 });
      expect(r).toMatchObject({ status: 422, body: { success: false, reason: 'insufficient_funds' } });
      expect(await balanceOf('cust_alice', 'SAV-0001-5678')).toBe(50_000);
      expect(await balanceOf('cust_alice', 'CHK-0001-1234')).toBe(100_000);
    });

    it('unknown or foreign source account → 404 unknown_account, revealing nothing', async () => {
      for (const from_account of ['0000', 'CHK-0002-4321', '4321']) {
        const r = await call(postAuthTools.transfer_funds, { from_account, to_account: '5678', amount: 1 });
        expect(r).toEqual({ status: 404, body: { success: false, reason: 'unknown_account' } });
      }
      expect(await call(postAuthTools.transfer_funds, { to_account: '4321', amount: 1 })).toMatchObject({ status: 404 });
      expect(await balanceOf('cust_bob', 'CHK-0002-4321')).toBe(70_000);
    });

    it('pays another customer’s account given by its full number', async () => {
      const r = await call(postAuthTools.transfer_funds, { to_account: 'CHK-0002-4321', amount: 20 });
      expect(r).toMatchObject({ status: 200, body: { transfer: { to_account: '…4321' } } });
      expect(await balanceOf('cust_bob', 'CHK-0002-4321')).toBe(72_000);
    });

    it('validates the amount: > 0, ≤ 1,000,000, two decimals; numeric strings accepted', async () => {
      for (const amount of [0, -5, 1_000_000.01, 1.005, 'lots', undefined]) {
        const r = await call(postAuthTools.transfer_funds, { to_account: '5678', amount });
        expect(r.status, String(amount)).toBe(400);
        expect(r.body).toMatchObject({ reason: 'invalid_request', errors: [{ field: 'amount' }] });
      }
      expect(await call(postAuthTools.transfer_funds, { to_account: '5678', amount: '0.10' })).toMatchObject({ status: 200 });
      expect(await call(postAuthTools.transfer_funds, { amount: 1 })).toMatchObject({
        status: 400,
        body: { errors: [{ field: 'to_account', message: 'required' }] },
      });
    });

    it('same account and card accounts are refused with 422', async () => {
      expect(await call(postAuthTools.transfer_funds, { to_account: '1234', amount: 1 })).toMatchObject({
        status: 422,
        body: { reason: 'same_account' },
      });
      expect(await call(postAuthTools.transfer_funds, { to_account: '9012', amount: 1 })).toMatchObject({
        status: 422,
        body: { reason: 'unsupported_account' },
      });
    });
  });

  describe('update_card_limit', () => {
    it('sets the limit of the caller’s only card', async () => {
      const r = await call(postAuthTools.update_card_limit, { new_limit: 50_000 });
      expect(r).toEqual({
        status: 200,
        body: {
          success: true,
          reason: 'ok',
          card: { account: '…9012', currency: 'USD', credit_limit: 50_000, previous_credit_limit: 2000 },
        },
      });
    });

    it('is bounded: 0 < limit ≤ 50,000', async () => {
      for (const new_limit of [0, -1, 50_000.01, 1e9]) {
        const r = await call(postAuthTools.update_card_limit, { new_limit });
        expect(r).toMatchObject({ status: 400, body: { errors: [{ field: 'new_limit' }] } });
      }
      expect(await call(postAuthTools.update_card_limit, { new_limit: 0.01 })).toMatchObject({ status: 200 });
    });

    it('refuses non-card and foreign accounts', async () => {
      expect(await call(postAuthTools.update_card_limit, { card_account: '1234', new_limit: 10 })).toMatchObject({
        status: 422,
        body: { reason: 'not_a_card' },
      });
      expect(await call(postAuthTools.update_card_limit, { new_limit: 10 }, { ...ctx, customerId: 'cust_bob' })).toMatchObject({
        status: 404,
        body: { reason: 'unknown_account' },
      });
    });
  });
});
