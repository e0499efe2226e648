import { factorModules } from '../factors/registry.js';
import type { Services } from '../kernel/index.js';
import type { CallRow } from '../store/schema/calls.js';

/** A call closed (handed off, blocked, ended): each factor voids what it had outstanding for it. */
export async function closeFactors(s: Services, call: CallRow, now: number): Promise<void> {
  for (const m of factorModules()) await m.onClose?.(s, call, now);
}

/** Each factor voids what it issued on the call for its customer (a claim that moved, a denial). */
export async function voidIssued(s: Services, call: CallRow, now: number): Promise<void> {
  for (const m of factorModules()) await m.voidIssued?.(s, call, now);
}
