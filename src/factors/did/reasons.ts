/** What did_issue, did_wait and did_cancel answer. */
export const DID_REASONS = [
  'ok',
  'not_enrolled',
  'max_retries',
  'already_confirmed',
  'did_unavailable',
  'no_session',
  'pending',
  'expired',
  'canceled',
  'not_pending',
] as const;
export type DidReason = (typeof DID_REASONS)[number];
