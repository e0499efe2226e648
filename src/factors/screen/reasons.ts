/** What the `screen` action answers: where the fraud screen stands for the call. */
export const SCREEN_REASONS = ['ok', 'not_configured', 'pending', 'risk_high', 'screen_uncertain', 'screen_unavailable'] as const;
export type ScreenReason = (typeof SCREEN_REASONS)[number];
