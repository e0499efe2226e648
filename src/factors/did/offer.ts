import type { Offer, OfferContext } from '../../kernel/index.js';

/** A DID is offered to a customer with an enrolled device while reissues remain; a pending one is waited on. */
export async function offerDid({ s, call, policy, enrolment, now }: OfferContext): Promise<Offer> {
  if (enrolment.devices === 0) return undefined;
  const latest = await s.did.latestForCall(call.id);
  if (latest?.status === 'pending' && latest.expiresAt > now) return { step: 'did_wait' };
  // Attempts are 1-based: a reissue is possible while attempt ≤ max_retries.
  if (!latest || latest.attempt <= policy.factors.did.max_retries) return { step: 'did_issue' };
  return undefined;
}
