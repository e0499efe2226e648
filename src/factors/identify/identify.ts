import { fail, ok, type StepContext, type StepResult } from '../../kernel/index.js';
import { normalizeAccountRef } from '../shared/normalize.js';
import type { IdentifyReason } from './reasons.js';

const HOUR_MS = 3_600_000;

/**
 * Claims a customer from the account reference the caller says. A claim is not proof: it only
 * decides whose factors may be checked. An unknown reference answers honestly (a caller who
 * misspoke is guided), so probing is made expensive instead: it is a failed check on the call,
 * it spends the caller ID's probe budget (then identify is refused for that number), and the
 * service-wide probe budget (past it an event fires and a wrong reference goes to a human).
 */
export async function identify({ s, call, policy, now }: StepContext, accountRef: string): Promise<StepResult<IdentifyReason>> {
  const perCaller = policy.limits.identify_failures_per_caller_id;
  // Stored normalised (ensureCall): one key per number.
  const callerKey = call.callerId ? `identify:caller:${call.callerId}` : undefined;
  const refused = async () => {
    await s.audit.record(call.id, 'identify_refused', now, { limit: 'identify_failures_per_caller_id' });
    return fail('rate_limited', { close: 'probe_limit' });
  };
  if (callerKey && (await s.counters.exhausted(callerKey, perCaller.max, perCaller.window_seconds * 1000, now))) return refused();

  const customerId = await s.customers.idByAccountRef(normalizeAccountRef(accountRef));
  if (!customerId) {
    // The check above is a fast refusal; this take is the limit itself (concurrent probes past it get nothing).
    if (callerKey && (await s.counters.take(callerKey, perCaller.max, perCaller.window_seconds * 1000, now)) === undefined) return refused();
    const ceiling = policy.limits.identify_failures_per_hour;
    const n = await s.counters.take('identify:service', ceiling, HOUR_MS, now);
    if (n === ceiling) await s.audit.record(call.id, 'probe_breaker_tripped', now, { failures_last_hour: n, ceiling });
    // While the breaker is open a wrong reference ends automation: probing costs a call each.
    return fail('unknown_account', { failed: 'identify', ...(n === undefined ? { close: 'probe_limit' as const } : {}) });
  }
  // Once authenticated, the identity is settled: the same account is a no-op, another is refused.
  if (call.status === 'authenticated') {
    // Trying someone else's account on an authenticated call is a failed check like any other.
    return customerId === call.customerId ? ok({ reason: 'already_authenticated' }) : fail('already_authenticated', { failed: 'identify' });
  }
  // Refused only when factors were already proven for another customer on this call.
  if (!(await s.outcome.claim(call, customerId, 'account_ref', now))) return fail('identity_locked', { failed: 'identify' });
  return ok();
}
