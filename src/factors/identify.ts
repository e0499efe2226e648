import { fail, ok, type StepContext, type StepResult } from '../orchestrator/services.js';
import { normalizeAccountRef } from './normalize.js';

/**
 * Claims a customer from the account reference the caller says. A claim is not proof: it only
 * decides whose factors may be checked. An unknown reference is a failed check (enumeration costs).
 */
export async function identify({ s, call, now }: StepContext, accountRef: string): Promise<StepResult> {
  const customerId = await s.customers.idByAccountRef(normalizeAccountRef(accountRef));
  if (!customerId) return fail('unknown_account', { failed: 'identify' });
  // Once authenticated, the identity is settled: the same account is a no-op, another is refused.
  if (call.status === 'authenticated') {
    return customerId === call.customerId ? ok({ reason: 'already_authenticated' }) : fail('already_authenticated');
  }
  const updated = await s.calls.identify(call.id, customerId, 'account_ref', now);
  // Refused only when factors were already proven for another customer on this call.
  if (!updated) return fail('identity_locked', { failed: 'identify' });
  await s.audit.record(call.id, 'identified', now, { by: 'account_ref', customer_id: customerId });
  return ok();
}
