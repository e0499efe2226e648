/** What push_send, push_wait and push_cancel answer. */
export const PUSH_REASONS = [
  'ok',
  'not_identified',
  'not_enrolled',
  /** The customer said "this wasn't me" recently: no push until the pause ends. */
  'push_paused',
  /** A push to the customer is already waiting, on another call. */
  'push_pending',
  /** The per-call or per-customer push limit is reached. */
  'rate_limited',
  'already_confirmed',
  'no_push',
  'pending',
  'expired',
  'canceled',
  'denied',
  'wrong_number',
  'not_pending',
] as const;
export type PushReason = (typeof PUSH_REASONS)[number];

/** What the phone app's push routes answer besides invalid_request. */
export const PUSH_APP_REASONS = [
  'rate_limited',
  'signature_format',
  'bad_signature',
  'stale_request',
  'unknown_device',
  'unknown_challenge',
  'nonce_invalid',
  'not_a_choice',
  'wrong_number',
  'not_pending',
  'expired',
  'identity_changed',
  'call_closed',
] as const;
