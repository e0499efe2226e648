import { z } from 'zod';
import { sha256Hex } from '../../src/crypto/hmac.js';
import { normalizeRef, type TransferOutcome, type TransferReason } from '../../src/store/ledger.js';
import { lenientString, optional, REQUIRED } from '../define.js';
import { amountToCents, centsToAmount, definePostAuthTool, fail, maskRef, money, ok, type PostAuthResult } from './types.js';

export const MAX_TRANSFER_AMOUNT = 1_000_000;

export const STATUS_BY_REASON: Record<Exclude<TransferReason, 'ok'>, 400 | 404 | 409 | 422> = {
  insufficient_funds: 422,
  unknown_account: 404,
  ambiguous_account: 409,
  same_account: 422,
  unsupported_account: 422,
  currency_mismatch: 422,
  invalid_amount: 400,
  in_progress: 409,
  // Terminal: a crash stopped it before it committed; nothing more will happen to it.
  interrupted: 422,
};

/**
 * Same call + same from/to/amount/memo = the same transfer (voice platforms retry tool calls).
 * Account inputs are compared in normalised form ("…1234" = "1234").
 */
export async function transferIdempotencyKey(p: {
  callId: string;
  customerId: string;
  from?: string | undefined;
  to: string;
  amountCents: number;
  memo?: string | undefined;
}): Promise<string> {
  const parts = ['transfer_funds:v1', p.callId, p.customerId, normalizeRef(p.from ?? ''), normalizeRef(p.to), p.amountCents, p.memo ?? ''];
  return `tf_${await sha256Hex(JSON.stringify(parts))}`;
}

function answer(o: TransferOutcome): PostAuthResult {
  const transfer = o.transfer && {
    id: o.transfer.id,
    from_account: maskRef(o.transfer.fromRef),
    to_account: maskRef(o.transfer.toRef),
    amount: centsToAmount(o.transfer.amountCents),
    currency: o.currency,
    status: o.transfer.status,
  };
  if (o.ok) return ok({ transfer });
  const reason = o.reason === 'ok' ? 'in_progress' : o.reason;
  return fail(STATUS_BY_REASON[reason], reason, transfer ? { transfer } : {});
}

export const transferFunds = definePostAuthTool({
  name: 'transfer_funds',
  effect: 'write',
  description:
    "Moves money from one of the verified caller's accounts to another account. Confirm the amount and both accounts with the caller before calling. " +
    'Call it once per transfer: calling again with the same details returns the same transfer, it does not send the money twice. ' +
    'If the response says success false, tell the caller the reason (for example insufficient_funds or unknown_account).',
  input: z.object({
    from_account: optional(lenientString(z.string().trim().min(1).max(64, 'at most 64 characters'))).describe(
      'Account to take the money from: the last four digits the caller says, or "checking" / "savings". Leave it out to use the checking account.',
    ),
    to_account: lenientString(z.string(REQUIRED).trim().min(1, 'required').max(64, 'at most 64 characters')).describe(
      'Account to send the money to: the last four digits of one of the caller\'s own accounts, "savings" / "checking", or the full account number the caller gives.',
    ),
    amount: money(MAX_TRANSFER_AMOUNT).describe(
      `Amount in the account currency as a number, e.g. 125.5 for 125 dollars 50 cents (more than 0, at most ${MAX_TRANSFER_AMOUNT}, at most two decimals).`,
    ),
    memo: optional(lenientString(z.string().trim().max(140, 'at most 140 characters'))).describe(
      'Optional short note for the transfer, as the caller says it.',
    ),
  }),
  async run(ctx, args) {
    const amountCents = amountToCents(args.amount);
    if (amountCents === null) return fail(400, 'invalid_request', { errors: [{ field: 'amount', message: 'at most two decimal places' }] });
    const idempotencyKey = await transferIdempotencyKey({
      callId: ctx.callId,
      customerId: ctx.customerId,
      from: args.from_account,
      to: args.to_account,
      amountCents,
      memo: args.memo,
    });
    const outcome = await ctx.ledger.transfer({
      callId: ctx.callId,
      customerId: ctx.customerId,
      fromRef: args.from_account,
      toRef: args.to_account,
      amountCents,
      memo: args.memo,
      now: ctx.now,
      idempotencyKey,
    });
    return answer(outcome);
  },
});
