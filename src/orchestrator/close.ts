import { factorModules } from '../factors/registry.js';
import type { Services } from '../kernel/index.js';
import type { CallRow } from '../store/schema/calls.js';

/** A call closed (handed off, blocked, ended): each factor voids what it had outstanding for it. */
export async function closeFactors(s: Services, call: CallRow, now: number): Promise<void> {
  for (const m of factorModules()) await m.onClose?.(s, call, now);
}

/** The call's claim moved to another customer: each factor voids what it issued for the previous one. */
export async function claimMoved(s: Services, call: CallRow, now: number): Promise<void> {
  for (const m of factorModules()) await m.onClaimMoved?.(s, call, now);
}
