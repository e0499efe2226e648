// POST /admin/customers/{id}/accounts over the app: the demo ledger opened through the admin API.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADA, enrolAda, makeTestApp, ring, SECRETS, unlimited, type TestApp } from '../../test/helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp({ rateLimiter: unlimited });
  await enrolAda(t);
  await t.admin('POST', '/customers', { ...ADA, customer_id: 'cust_bob', phones: ['+14155550999'], account_refs: ['M-BOB-1'], email: undefined, kba: [] });
});
afterEach(() => t.close());

const CHECKING = { ref: 'CHK-1000-4211', kind: 'checking', balance_cents: 245_000 };
const CARD = { ref: 'CRD-4000-1187', kind: 'card', balance_cents: -31_240, card_limit_cents: 500_000 };
const open = (customer: string, accounts: unknown[]) => t.admin('POST', `/customers/${customer}/accounts`, { accounts });
const fields = (body: Record<string, unknown>) => (body.errors as { field: string }[]).map((e) => e.field);

describe('POST /admin/customers/{id}/accounts', () => {
  it('opens the accounts once; a second request keeps the balances as they are', async () => {
    const first = await open('cust_ada', [CHECKING, CARD, { ref: 'SAV-1000-7733', kind: 'savings', balance_cents: 810_000 }]);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ customer_id: 'cust_ada', opened: 3 });
    expect(first.body.accounts).toContainEqual({ ref: 'CRD-4000-1187', kind: 'card', currency: 'USD', balance_cents: -31_240, card_limit_cents: 500_000 });

    // The post-auth tools see them: an authenticated caller's summary and a transfer.
    // (enrolAda opened three through the store; these three come on top.)
    await ring(t, 'CA1');
    await t.tool('CA1', 'otp_send', { channel: 'sms' });
    expect((await t.tool('CA1', 'otp_verify', { code: t.lastCode() })).body.privileged_allowed).toBe(true);
    const summary = await t.post('account_summary', 'CA1');
    expect(summary.body.accounts).toHaveLength(6);

    const again = await open('cust_ada', [{ ...CHECKING, balance_cents: 1 }]);
    expect(again.status).toBe(200);
    expect(again.body.opened).toBe(0);
    expect(again.body.accounts).toContainEqual(expect.objectContaining({ ref: 'CHK-1000-4211', balance_cents: 245_000 }));
    const events = (await t.admin('GET', '/calls/CA1')).body;
    expect(JSON.stringify(events)).not.toContain('245000');
  });

  it("refuses another customer's ref before writing anything, naming it", async () => {
    expect((await open('cust_bob', [CHECKING])).status).toBe(201);
    const taken = await open('cust_ada', [CARD, CHECKING]);
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ reason: 'account_taken', field: 'accounts.1.ref' });
    // The card before it was not opened either.
    expect((await open('cust_ada', [CARD])).body.opened).toBe(1);
    // A ref whose last digits match one of Ada's own accounts (CHK-1001) is still Bob's.
    expect((await open('cust_bob', [{ ref: 'ZZ-1001', kind: 'checking' }])).status).toBe(201);
    const suffix = await open('cust_ada', [{ ref: 'SAV-7777', kind: 'savings' }, { ref: 'ZZ-1001', kind: 'checking' }]);
    expect(suffix.body).toMatchObject({ reason: 'account_taken', field: 'accounts.1.ref' });
    expect((await open('cust_ada', [{ ref: 'SAV-7777', kind: 'savings' }])).body.opened).toBe(1);
  });

  it('answers 400 naming each bad field, 404 for an unknown customer, 401 without the admin bearer', async () => {
    const bad = await open('cust_ada', [{ ref: 'chk 1', kind: 'loan' }, CHECKING, { ref: 'CRD-2', kind: 'card', currency: 'dollars', balance_cents: 1.5 }]);
    expect(bad.status).toBe(400);
    expect(fields(bad.body).sort()).toEqual(['accounts.0.kind', 'accounts.0.ref', 'accounts.2.balance_cents', 'accounts.2.currency']);
    // Checks across accounts, once each account is well-formed.
    const mixed = await open('cust_ada', [{ ...CHECKING, card_limit_cents: 10 }, CHECKING]);
    expect(fields(mixed.body).sort()).toEqual(['accounts.0.card_limit_cents', 'accounts.1.ref']);
    expect(fields((await open('cust_ada', [])).body)).toEqual(['accounts']);
    // A ref spelt like a kind could never be named by a caller ("my savings" means the kind).
    expect(fields((await open('cust_ada', [{ ref: 'SAVINGS', kind: 'savings' }])).body)).toEqual(['accounts.0.ref']);
    expect(fields((await t.admin('POST', '/customers/cust_ada/accounts', { accounts: [CHECKING], extra: 1 })).body)).toEqual(['extra']);
    expect((await open('nobody', [CHECKING])).status).toBe(404);
    const anon = await t.app.request('/admin/customers/cust_ada/accounts', {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRETS.tool}`, 'content-type': 'application/json' },
      body: JSON.stringify({ accounts: [CHECKING] }),
    });
    expect(anon.status).toBe(401);
  });
});
