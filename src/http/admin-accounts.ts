import { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../kernel/index.js';
import { kindWord } from '../store/ledger-refs.js';
import type { LedgerAccount, LedgerStore } from '../store/ledger-types.js';
import { readBody } from './body.js';
import { invalidRequest, jsonError } from './errors.js';

// The demo ledger the post-auth tools act on: an operator opens a customer's accounts over the
// admin API, so the ledger is seeded the same way on every runtime (a worker has no file to
// write to). Opening is idempotent per ref: an existing account keeps its balance.

const cents = z.number().int().min(-100_000_000_000).max(100_000_000_000);

export const accountsSchema = z
  .strictObject({
    accounts: z
      .array(
        z.strictObject({
          ref: z
            .string()
            .trim()
            .regex(/^[A-Z0-9][A-Z0-9-]{2,33}$/, 'capital letters, digits and - (3–34), like CHK-1000-4211')
            // A caller saying "savings" means their savings account: a ref spelt like a kind could never be named.
            .refine((r) => kindWord(r) === undefined, 'must not be an account kind (SAVINGS, CARD …)'),
          kind: z.enum(['checking', 'savings', 'card']),
          balance_cents: cents.default(0).describe('opening balance in cents (negative on a card: what is owed)'),
          currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code like USD').default('USD'),
          card_limit_cents: z.number().int().min(0).max(100_000_000_000).optional().describe('cards only'),
        }),
      )
      .min(1)
      .max(20),
  })
  .superRefine((b, ctx) => {
    const refs = new Set<string>();
    b.accounts.forEach((a, i) => {
      if (refs.has(a.ref)) ctx.addIssue({ code: 'custom', path: ['accounts', i, 'ref'], message: 'listed twice' });
      refs.add(a.ref);
      if (a.card_limit_cents !== undefined && a.kind !== 'card')
        ctx.addIssue({ code: 'custom', path: ['accounts', i, 'card_limit_cents'], message: 'only a card has a limit' });
    });
  });

export const accountView = (a: LedgerAccount) => ({
  ref: a.ref,
  kind: a.kind,
  currency: a.currency,
  balance_cents: a.balanceCents,
  ...(a.cardLimitCents !== null ? { card_limit_cents: a.cardLimitCents } : {}),
});

/** POST /admin/customers/{id}/accounts (under the admin bearer). */
export function accountRoutes(s: Services, ledger: LedgerStore) {
  return new Hono().post('/customers/:id/accounts', async (c) => {
    const body = await readBody(c, accountsSchema);
    if (!body.ok) return invalidRequest(c, body.errors);
    const customerId = c.req.param('id');
    if (!(await s.customers.get(customerId))) return jsonError(c, 404, 'unknown_customer');
    const accounts = body.value.accounts;
    // Refused before anything is written: a ref another customer holds (an exact lookup, not the
    // callers' fuzzy resolver, which tries kind words and last digits first).
    for (const [i, a] of accounts.entries()) {
      const holder = await ledger.accountByRef(a.ref);
      if (holder && holder.customerId !== customerId) return jsonError(c, 409, 'account_taken', { field: `accounts.${i}.ref` });
    }
    const opened = await ledger.seedAccounts(
      customerId,
      accounts.map((a) => ({ ref: a.ref, kind: a.kind, balanceCents: a.balance_cents, currency: a.currency, cardLimitCents: a.card_limit_cents ?? null })),
    );
    const now = await ledger.accountsOf(customerId);
    // Recorded whatever comes next: what was opened stays opened.
    if (opened > 0) await s.audit.record(null, 'ledger_accounts_opened', s.clock.now(), { customer_id: customerId, opened });
    // Taken meanwhile by a concurrent request for another customer: the rest stay opened; a retry is idempotent.
    const taken = accounts.findIndex((a) => !now.some((own) => own.ref === a.ref));
    if (taken >= 0) return jsonError(c, 409, 'account_taken', { field: `accounts.${taken}.ref` });
    return c.json({ customer_id: customerId, opened, accounts: now.map(accountView) }, opened > 0 ? 201 : 200);
  });
}
