/** What `identify` answers (docs/api.md lists them from here). */
export const IDENTIFY_REASONS = ['ok', 'already_authenticated', 'unknown_account', 'identity_locked', 'rate_limited'] as const;
export type IdentifyReason = (typeof IDENTIFY_REASONS)[number];
