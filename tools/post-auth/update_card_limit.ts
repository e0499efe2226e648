import { z } from 'zod';
import type { CardLimitReason } from '../../src/store/ledger.js';
import { lenientString, optional } from '../define.js';
import { amountToCents, centsToAmount, definePostAuthTool, fail, maskRef, money, ok } from './types.js';

export const MAX_CARD_LIMIT = 50_000;

export const STATUS_BY_REASON: Record<Exclude<CardLimitReason, 'ok'>, 400 | 404 | 409 | 422> = {
  unknown_account: 404,
  ambiguous_account: 409,
  not_a_card: 422,
  invalid_limit: 400,
};

export const updateCardLimit = definePostAuthTool({
  name: 'update_card_limit',
  effect: 'write',
  description:
    "Sets the credit limit of one of the verified caller's cards. Confirm the card and the new limit with the caller before calling.",
  input: z.object({
    card_account: optional(lenientString(z.string().trim().min(1).max(64, 'at most 64 characters'))).describe(
      'The card: the last four digits the caller says. Leave it out when the caller has a single card.',
    ),
    new_limit: money(MAX_CARD_LIMIT).describe(
      `The new credit limit in the card currency as a number (more than 0, at most ${MAX_CARD_LIMIT}, at most two decimals).`,
    ),
  }),
  async run(ctx, args) {
    const limitCents = amountToCents(args.new_limit);
    if (limitCents === null) return fail(400, 'invalid_request', { errors: [{ field: 'new_limit', message: 'at most two decimal places' }] });
    const o = await ctx.ledger.setCardLimit({ customerId: ctx.customerId, cardRef: args.card_account, limitCents });
    if (!o.ok || !o.account) {
      const reason = o.reason === 'ok' ? 'unknown_account' : o.reason;
      return fail(STATUS_BY_REASON[reason], reason);
    }
    return ok({
      card: {
        account: maskRef(o.account.ref),
        currency: o.account.currency,
        credit_limit: centsToAmount(limitCents),
        previous_credit_limit: o.previousLimitCents === null ? null : centsToAmount(o.previousLimitCents),
      },
    });
  },
});
