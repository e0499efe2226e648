import { z } from 'zod';
import { defineTool, lenientNumber, type DefineToolOptions, type ToolArgs, type ToolDef } from '../define.js';

// Shared shape of the privileged tools. The HTTP layer gates a call (policy), validates the body
// with `tool.input`, then calls `run` with the caller the policy authenticated.

export type { PostAuthContext, PostAuthEffect, PostAuthResult, PostAuthStatus } from '../../src/kernel/post-auth.js';
import type { PostAuthContext, PostAuthEffect, PostAuthResult, PostAuthStatus } from '../../src/kernel/post-auth.js';

export interface PostAuthTool<S extends z.ZodRawShape = z.ZodRawShape> extends ToolDef<S> {
  readonly effect: PostAuthEffect;
  run(ctx: PostAuthContext, args: z.output<ToolDef<S>['input']>): Promise<PostAuthResult>;
}

export function definePostAuthTool<S extends z.ZodRawShape>(
  opts: DefineToolOptions<S> & {
    effect: PostAuthEffect;
    run: (ctx: PostAuthContext, args: ToolArgs<ToolDef<S>>) => Promise<PostAuthResult>;
  },
): PostAuthTool<S> {
  const { run, effect, ...options } = opts;
  const def = defineTool(options);
  return Object.freeze({ ...def, effect, run });
}

/** "…1234": enough for the caller to recognise an account, never the full number. */
export function maskRef(ref: string): string {
  const tail = ref.replace(/[^A-Za-z0-9]/g, '').slice(-4);
  return `…${tail}`;
}

/** Cents → a JSON number of currency units (12345 → 123.45). */
export const centsToAmount = (cents: number): number => cents / 100;

/** Currency units with at most two decimals → integer cents; null when not representable. */
export function amountToCents(amount: number): number | null {
  const cents = Math.round(amount * 100);
  return Number.isSafeInteger(cents) && Math.abs(amount * 100 - cents) < 1e-6 ? cents : null;
}

/** A positive amount of money, at most `max` units, with at most two decimals. */
export function money(max: number) {
  return lenientNumber(
    z
      .number({ error: (iss) => (iss.input === undefined ? 'required' : undefined) })
      .positive('must be greater than 0')
      .max(max, `at most ${max}`)
      .refine((n) => amountToCents(n) !== null, 'at most two decimal places'),
  );
}

export const ok = (body: Record<string, unknown>): PostAuthResult => ({
  status: 200,
  body: { success: true, reason: 'ok', ...body },
});

export const fail = (status: Exclude<PostAuthStatus, 200>, reason: string, extra: Record<string, unknown> = {}): PostAuthResult => ({
  status,
  body: { success: false, reason, ...extra },
});
