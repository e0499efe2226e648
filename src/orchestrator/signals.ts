import { factorModules } from '../factors/registry.js';
import type { BaseRequest, StepContext } from '../kernel/index.js';
import type { CallRow } from '../store/schema/calls.js';

/** Signals that arrive with the request or with the passage of time, in registry order. */
export async function applySignals(ctx: StepContext, req: BaseRequest | undefined): Promise<CallRow> {
  let call = ctx.call;
  for (const m of factorModules()) if (m.before) call = await m.before({ ...ctx, call }, req);
  return call;
}
