import { evaluateTier } from './evaluate.js';
import { TIER_NAMES, type Policy, type TierName } from './schema.js';

/** A set of successes that opens `action` (or privileged access) at a higher tier but not a lower one. */
export interface MonotoneViolation {
  lower: TierName;
  higher: TierName;
  successes: string[];
  /** The post-auth tool, or null for privileged access as such (`privileged_allowed`). */
  action: string | null;
}

function subsets<T>(items: readonly T[]): T[][] {
  return items.reduce<T[][]>((all, item) => all.concat(all.map((set) => [...set, item])), [[]]);
}

/**
 * Raising the risk must never lower what any tool needs. Checks every pair of tiers, every set of
 * factors the policy counts anywhere, and every action (plus privileged access itself): the
 * first counter-example found, or undefined when the policy is monotone. Exhaustive and cheap:
 * at most 2^5 sets × 3 pairs × (actions + 1).
 */
export function findNonMonotone(policy: Policy): MonotoneViolation | undefined {
  const counted = new Set<string>();
  for (const t of TIER_NAMES) {
    const tier = policy.tiers[t];
    if ('from' in tier) tier.from.forEach((f) => counted.add(f));
  }
  const now = 0;
  const actions: (string | null)[] = [null, ...Object.keys(policy.actions)];
  const allows = (tier: TierName, set: string[], action: string | null) =>
    evaluateTier(policy, tier, [], Object.fromEntries(set.map((f) => [f, now])), { now, ...(action === null ? {} : { action }) }).allowed;
  for (const set of subsets([...counted])) {
    for (const action of actions) {
      for (let hi = 1; hi < TIER_NAMES.length; hi++) {
        for (let lo = 0; lo < hi; lo++) {
          const [lower, higher] = [TIER_NAMES[lo]!, TIER_NAMES[hi]!];
          if (allows(higher, set, action) && !allows(lower, set, action)) return { lower, higher, successes: set, action };
        }
      }
    }
  }
  return undefined;
}

export function describeViolation(v: MonotoneViolation): string {
  const what = v.action === null ? 'privileged access' : `action ${v.action}`;
  const set = v.successes.length ? v.successes.join(' + ') : 'no success at all';
  return `risk is not monotone: ${set} opens ${what} on the ${v.higher} tier but not on the ${v.lower} tier (raising the risk would lower the bar)`;
}
