import { defineFactor, lenientEnum, optional, text, type OfferContext } from '../../kernel/index.js';
import { kbaQuestion, kbaVerify } from './kba.js';
import { KBA_REASONS } from './reasons.js';

export const KBA_LEVELS = ['basic', 'advanced'] as const;

/** A question of the level is offered while the customer has one and attempts are left. */
const offerLevel = (level: (typeof KBA_LEVELS)[number]) => async ({ call, policy, enrolment }: OfferContext) => {
  const factor = `kba_${level}` as const;
  const used = call.attempts[factor] ?? 0;
  return enrolment.kba[level] > 0 && used < policy.factors[factor].max_attempts ? { step: 'kba_question', args: { level } } : undefined;
};

/** Knowledge questions, at two levels the policy counts apart (kba_basic, kba_advanced). */
export const kbaFactor = defineFactor({
  id: 'kba',
  fields: {
    level: optional(lenientEnum(KBA_LEVELS)).describe('kba_question only: "basic" or "advanced", as the previous response asks (use "advanced" when unsure).'),
    question_id: text(128, 'kba_verify only: the id of the question you asked (question.id from the kba_question response).'),
    answer: text(200, "kba_verify only: the caller's answer, word for word. Do not rephrase, judge or repeat it."),
  },
  guide: 'kba_question: get a security question to ask. kba_verify: the caller answered it.',
  actions: {
    kba_question: {
      requires: ['level'],
      starts: 'knowledge',
      run: (ctx, r) => kbaQuestion(ctx, r.level!),
      followUp: (_r, result) =>
        result.success ? { step: 'kba_verify', args: { question_id: (result.extra?.question as { id: string }).id } } : undefined,
    },
    kba_verify: {
      requires: ['question_id', 'answer'],
      guess: 'knowledge',
      // An answer to a question this call was never asked checks nothing: no guess is taken (so a
      // flood of them cannot fill the budget while in flight).
      checks: (call, r) => Object.values(call.kbaAsked).includes(r.question_id ?? ''),
      run: (ctx, r) => kbaVerify(ctx, r.question_id!, r.answer!),
    },
  },
  proves: {
    kba_basic: { family: 'knowledge', offer: offerLevel('basic') },
    kba_advanced: { family: 'knowledge', offer: offerLevel('advanced') },
  },
  reasons: KBA_REASONS,
  enrolment: '`kba` questions and answers on POST /admin/customers (answers are stored as keyed hashes)',
});
