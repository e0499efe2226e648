import { z } from 'zod';
import { centsToAmount, definePostAuthTool, maskRef, ok } from './types.js';

export const accountSummary = definePostAuthTool({
  name: 'account_summary',
  effect: 'read',
  description:
    "Lists the verified caller's accounts: kind, the last four characters of each account number, currency and balance " +
    '(and the credit limit of cards). Use it when the caller asks about their accounts or balances. Read amounts naturally; never read more than the last four characters of an account number.',
  input: z.object({}),
  async run(ctx) {
    const accounts = await ctx.ledger.accountsOf(ctx.customerId);
    return ok({
      accounts: accounts.map((a) => ({
        account: maskRef(a.ref),
        kind: a.kind,
        currency: a.currency,
        balance: centsToAmount(a.balanceCents),
        ...(a.kind === 'card' ? { credit_limit: a.cardLimitCents === null ? null : centsToAmount(a.cardLimitCents) } : {}),
      })),
    });
  },
});
