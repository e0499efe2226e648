import { timingSafeEqualString } from '../../crypto/compare.js';
import { fail, ok, type StepContext, type StepResult } from '../../kernel/index.js';
import type { KbaReason } from './reasons.js';
import { hashAnswer } from '../shared/hash.js';

type Level = 'basic' | 'advanced';
const factorOf = (level: Level) => `kba_${level}` as const;

/** Picks a question of the level, a different one from the last asked when the customer has several. */
export async function kbaQuestion({ s, call, policy, now }: StepContext, level: Level): Promise<StepResult<KbaReason>> {
  if (!call.customerId) return fail('not_identified');
  const questions = await s.customers.questions(call.customerId, level);
  if (questions.length === 0) return fail('not_enrolled');
  const max = policy.factors[factorOf(level)].max_attempts;
  const used = call.attempts[factorOf(level)] ?? 0;
  if (used >= max) return fail('max_attempts', { remaining_attempts: 0 });

  const last = call.kbaAsked[level];
  const pool = questions.length > 1 ? questions.filter((q) => q.questionId !== last) : questions;
  const pick = pool[s.random.bytes(1)[0]! % pool.length]!;
  // Recorded only while the call still claims this customer; otherwise the question is not asked.
  if (!(await s.calls.setKbaAsked(call.id, call.customerId, level, pick.questionId, now))) return fail('identity_changed');
  return ok({ remaining_attempts: max - used, extra: { question: { id: pick.questionId, text: pick.question } } });
}

export async function kbaVerify({ s, call, policy, now }: StepContext, questionId: string, answer: string): Promise<StepResult<KbaReason>> {
  if (!call.customerId) return fail('not_identified');
  // Only the question this call was asked may be answered: the model cannot choose an easier one.
  const level = (['advanced', 'basic'] as const).find((l) => call.kbaAsked[l] === questionId);
  if (!level) return fail('question_not_asked');
  const stored = await s.customers.answer(call.customerId, questionId);
  if (!stored) return fail('question_not_asked');

  const max = policy.factors[factorOf(level)].max_attempts;
  const reserved = await s.calls.reserveAttempt(call.id, factorOf(level), max, now);
  if (!reserved) return fail('max_attempts', { remaining_attempts: 0 });
  const remaining = max - (reserved.attempts[factorOf(level)] ?? max);

  const hash = await hashAnswer(s.keys, call.customerId, questionId, answer);
  if (timingSafeEqualString(hash, stored.answerHash)) return ok({ passed: factorOf(level) });
  return fail(remaining > 0 ? 'wrong_answer' : 'max_attempts', { failed: factorOf(level), remaining_attempts: remaining });
}
