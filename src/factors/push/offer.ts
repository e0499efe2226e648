import type { Offer, OfferContext } from '../../kernel/index.js';

/**
 * A push is offered when the customer has a device registered for pushes and no limit would
 * refuse it; a pending one is waited on. After an expired push another is only a fallback, and
 * after a canceled, refused or denied one none is offered on the call.
 */
export async function offerPush({ s, call, policy, decision, now }: OfferContext): Promise<Offer> {
  const cfg = policy.factors.push;
  if (cfg.counts_as === 'did') {
    // Counted as the DID, a push proves nothing a DID already proved on this call, and counts
    // nowhere the tier does not list the DID.
    const tier = policy.tiers[decision.tier];
    if (call.successes.did !== undefined || !('from' in tier) || !tier.from.includes('did')) return undefined;
  }
  const st = await s.push.state(call.id, call.customerId, cfg.per_customer.window_seconds * 1000, now);
  if (!st.device) return undefined;
  const latest = st.latest?.customerId === call.customerId ? st.latest : undefined;
  if (latest?.status === 'pending' && latest.expiresAt > now) return { step: 'push_wait' };
  if (st.pausedUntil !== null || st.pendingElsewhere) return undefined;
  if (st.sentOnCall >= cfg.max_per_call || st.sentInWindow >= cfg.per_customer.max) return undefined;
  if (latest && latest.status !== 'expired' && latest.status !== 'pending') return undefined;
  return latest ? { later: { step: 'push_send' } } : { step: 'push_send' };
}
