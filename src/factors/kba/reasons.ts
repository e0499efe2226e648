/** What kba_question and kba_verify answer. */
export const KBA_REASONS = ['ok', 'not_identified', 'not_enrolled', 'max_attempts', 'identity_changed', 'question_not_asked', 'wrong_answer'] as const;
export type KbaReason = (typeof KBA_REASONS)[number];
