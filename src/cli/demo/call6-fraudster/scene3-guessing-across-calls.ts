// Scene 3: knowledge answers guessed across many calls spend one budget for the customer; once it is
// spent, even the right answer is refused. Returns the budget_locked event (scene 6 waits it out).
import { demoAnswer } from '../../demo-data.js';
import type { JsonResponse } from '../../http-client.js';
import { showAuditEvent, wrongAnswer, type Call } from '../call.js';
import { CallAborted, present, type Json } from '../expect.js';
import { narrate, scene } from '../print.js';
import type { Fraud } from './context.js';

export async function guessingAcrossCalls({ env, policy, ada, dial, fraudNumber, track }: Fraud): Promise<Json | undefined> {
  const kb = policy.budgets.knowledge;
  const perCall = policy.factors.kba_advanced.max_attempts;
  scene(
    `3 · guessing across calls: ${ada.body.display_name}'s knowledge answers, ${perCall} guesses a call, ` +
      `${kb.max_failures} failures per ${kb.window_seconds / 60} min for the customer, whatever the call`,
  );
  // Ada's one knowledge answer so far (call 1) was right: her budget is whole.
  let kbaFailures = 0;
  /** Asks a question on `c` and answers it wrong; the answer expected depends on what is left. */
  const wrongGuess = async (c: Call, used: number): Promise<JsonResponse<Json>> => {
    const q = await c.orchestrate({ action: 'kba_question', level: 'advanced' }, { http: 200, success: true, 'question.id': present, next_required_step: 'kba_verify' });
    const id = q.body.question?.id as string | undefined;
    const right = id ? demoAnswer(ada.body.customer_id, id) : undefined;
    if (!id || !right) throw new CallAborted(`no answer known for question ${id}`);
    const wrong = wrongAnswer(right);
    c.spoken.add(wrong);
    kbaFailures++;
    return c.orchestrate(
      { action: 'kba_verify', question_id: id, answer: wrong },
      { http: 200, success: false, reason: used + 1 < perCall ? 'wrong_answer' : 'max_attempts', privileged_allowed: false, 'auth_state.status': 'pending' },
    );
  };
  let lastGuessCall: Call | undefined;
  let second: Call | undefined;
  let secondQuestion: string | undefined;
  for (let n = 1; kbaFailures < kb.max_failures && n <= kb.max_failures; n++) {
    const { call: c } = await dial(`guessing call ${n}`, fraudNumber(), { memberId: ada.memberId, next: 'otp_send' });
    lastGuessCall = c;
    for (let used = 0; used < perCall && kbaFailures < kb.max_failures; used++) {
      if (kbaFailures === kb.max_failures - 1 && !second) {
        // The last guess of the window: a second line asks its question first, to answer it right afterwards.
        const line2 = await dial('meanwhile, on a second line', fraudNumber(), { memberId: ada.memberId, next: 'otp_send' });
        second = line2.call;
        const q = await second.orchestrate({ action: 'kba_question', level: 'advanced' }, { http: 200, success: true, 'question.id': present, next_required_step: 'kba_verify' });
        secondQuestion = q.body.question?.id as string | undefined;
        narrate(`back on guessing call ${n}: the guess that spends the budget (failure ${kb.max_failures} in the window)`);
      }
      await wrongGuess(c, used);
    }
  }
  const kbaLock = lastGuessCall ? await showAuditEvent(lastGuessCall, 'budget_locked', ['customer_id', 'family', 'failures_in_window', 'consecutive_failures', 'locked_until']) : undefined;
  env.checks.record('the knowledge budget locks', [
    ...(kbaLock ? [] : ['no budget_locked event on the call that spent the budget']),
    ...(kbaLock && (kbaLock.customer_id !== ada.body.customer_id || kbaLock.family !== 'knowledge') ? [`budget_locked ${kbaLock.customer_id}/${kbaLock.family}`] : []),
    ...(kbaLock && kbaLock.failures_in_window !== kb.max_failures ? [`failures_in_window ${kbaLock.failures_in_window}, expected ${kb.max_failures}`] : []),
  ]);
  if (!second || !secondQuestion) throw new CallAborted('the second line got no question');
  const right = demoAnswer(ada.body.customer_id, secondQuestion);
  if (!right) throw new CallAborted(`no answer known for question ${secondQuestion}`);
  second.spoken.add(right);
  narrate('on the second line the fraudster now gives the right answer (say they found it): refused, the family is locked;');
  narrate(`the next step offered is a code to ${ada.body.display_name}'s phone, never another question`);
  await second.orchestrate(
    { action: 'kba_verify', question_id: secondQuestion, answer: right },
    { http: 200, success: false, reason: 'locked', remaining_attempts: 0, 'auth_state.auth_success_count': 0, privileged_allowed: false, next_required_step: 'otp_send' },
  );
  await second.orchestrate(
    { action: 'kba_question', level: 'advanced' },
    { http: 200, success: false, reason: 'locked', remaining_attempts: 0, privileged_allowed: false, next_required_step: 'otp_send' },
  );
  track({ label: 'Call 6 guesses', call: lastGuessCall!, expect: { status: 'pending', types: ['identified', 'factor_failed', 'budget_locked'] } });
  return kbaLock;
}
