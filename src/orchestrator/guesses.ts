import type { GuessBudget, Policy } from '../policy/index.js';
import type { BudgetRow, BudgetRule } from '../store/budgets.js';
import type { GuessFamily } from '../store/schema/budgets.js';
import type { Services, StepResult } from '../kernel/index.js';

export const budgetRule = (b: GuessBudget): BudgetRule => ({
  maxFailures: b.max_failures,
  windowMs: b.window_seconds * 1000,
  maxConsecutive: b.max_consecutive,
  lockMs: b.lock_seconds * 1000,
});

/**
 * Takes one guess from the customer's budget before it is checked (undefined: the family is
 * locked). A lock that ended by itself is reported once, by the guess that found it over.
 */
export async function takeGuess(s: Services, callId: string | null, customerId: string, family: GuessFamily, policy: Policy, now: number): Promise<BudgetRow | undefined> {
  const taken = await s.budgets.take(customerId, family, budgetRule(policy.budgets[family]), now);
  if (taken && taken.endedLock > 0) {
    await s.audit.record(callId, 'budget_unlocked', now, { customer_id: customerId, family, locked_until: taken.endedLock, by: 'time' });
  }
  return taken;
}

/**
 * Settles a taken guess by what the check found: a success gives the budget back whole, a failed
 * check keeps it (and reports the lock it set, if it set one), anything else was no guess at all.
 */
export async function settleGuess(
  s: Services,
  callId: string | null,
  customerId: string,
  family: GuessFamily,
  taken: BudgetRow,
  result: StepResult,
  now: number,
): Promise<void> {
  if (result.passed) {
    await s.budgets.giveBack(customerId, family, now);
    return;
  }
  if (!result.failed) {
    await s.budgets.refund(customerId, family, taken, now);
    return;
  }
  if (taken.lockedUntil > now) {
    await s.audit.record(callId, 'budget_locked', now, {
      customer_id: customerId,
      family,
      failures_in_window: taken.windowFailures,
      consecutive_failures: taken.consecutive,
      locked_until: taken.lockedUntil,
    });
  }
}
