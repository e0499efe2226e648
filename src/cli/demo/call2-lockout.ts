// Call 2: wrong codes and wrong answers until the policy's limit of failed checks locks the call and
// hands it to a human; every step after that is refused.
import type { Policy } from '../../policy/index.js';
import { demoAnswer, demoCustomer } from '../demo-data.js';
import type { JsonResponse } from '../http-client.js';
import { Call, misread, newCallSid, newConversationId, wrongAnswer, type DemoEnv } from './call.js';
import { CallAborted, oneOf, present, type Expectation, type Json } from './expect.js';
import { header, narrate, out, yellow } from './print.js';

export async function call2(env: DemoEnv, policy: Policy): Promise<Call> {
  const alan = demoCustomer('demo-alan');
  const maxFailures = policy.lockout.max_failures;
  header(`Call 2 · lockout: wrong codes and answers until the policy's limit (${maxFailures} failed checks)`);
  const call = new Call(env, newCallSid(), newConversationId());
  narrate(`someone calls from an unknown number and claims to be ${alan.body.display_name}; call ${call.callId}`);

  await call.initiation('+13125550100', {
    http: 200,
    'dynamic_variables.auth_status': 'pending',
    'dynamic_variables.auth_next_step': 'identify',
    'dynamic_variables.auth_privileged_allowed': false,
  });
  await call.orchestrate({ action: 'identify', account_ref: alan.memberId }, { http: 200, success: true, next_required_step: 'otp_send' });

  const otpCfg = policy.factors.otp;
  const kbaMax = policy.factors.kba_advanced.max_attempts;
  let failures = 0;
  let locked: JsonResponse<Json> | undefined;
  let code: string | undefined;
  let otpLeft = 0;
  let sends = 0;
  let questionId: string | undefined;
  let kbaLeft = kbaMax;

  /** Every failed check before the limit answers a plain failure; the one that reaches it answers `locked`. */
  const failureExpectation = (reasons: string[]): Expectation =>
    failures + 1 < maxFailures
      ? { http: 200, success: false, reason: oneOf(...reasons), 'auth_state.status': 'pending', privileged_allowed: false }
      : {
          http: 200,
          success: false,
          reason: 'locked',
          'auth_state.status': 'handed_off',
          next_required_step: 'transfer_to_human',
          privileged_allowed: false,
          'handoff.reason': 'lockout',
          'handoff.queue': policy.lockout.queue,
        };

  for (let guard = 0; guard < 4 * maxFailures + 10 && !locked; guard++) {
    let res: JsonResponse<Json>;
    if (otpLeft > 0 && code) {
      narrate('the caller misreads a digit');
      res = await call.orchestrate({ action: 'otp_verify', code: misread(code) }, failureExpectation(['wrong_code', 'max_attempts']));
      failures++;
      otpLeft = typeof res.body.remaining_attempts === 'number' ? res.body.remaining_attempts : 0;
    } else if (sends === 0) {
      res = await call.orchestrate({ action: 'otp_send', channel: 'sms' }, { http: 200, success: true, next_required_step: 'otp_verify' });
      sends++;
      if (res.body.success !== true) throw new CallAborted(`otp_send answered ${res.body.reason}`);
      code = await call.readSms();
      call.spoken.add(code);
      otpLeft = otpCfg.max_attempts;
    } else if (kbaLeft > 0) {
      if (!questionId) {
        const q = await call.orchestrate({ action: 'kba_question', level: 'advanced' }, { http: 200, success: true, 'question.id': present });
        questionId = q.body.question?.id as string | undefined;
        if (!questionId) throw new CallAborted('kba_question gave no question');
      }
      const right = demoAnswer('demo-alan', questionId) ?? 'x';
      const wrong = wrongAnswer(right);
      call.spoken.add(wrong);
      narrate('the caller guesses the answer, wrongly');
      res = await call.orchestrate({ action: 'kba_verify', question_id: questionId, answer: wrong }, failureExpectation(['wrong_answer', 'max_attempts']));
      failures++;
      kbaLeft = typeof res.body.remaining_attempts === 'number' ? res.body.remaining_attempts : 0;
    } else if (sends < otpCfg.max_sends) {
      res = await call.orchestrate({ action: 'otp_send', channel: 'sms' }, { http: 200, reason: oneOf('ok', 'cooldown') });
      if (res.body.reason === 'cooldown') {
        const wait = Number(res.body.retry_after_seconds ?? otpCfg.resend_cooldown_seconds);
        narrate(`(${wait} s pass on the server's clock before the caller asks again)`);
        env.clock.advance(wait);
        continue;
      }
      sends++;
      if (res.body.success !== true) throw new CallAborted(`otp_send answered ${res.body.reason}`);
      code = await call.readSms();
      call.spoken.add(code);
      otpLeft = otpCfg.max_attempts;
    } else {
      break;
    }
    if (res.body.reason === 'locked') locked = res;
  }
  env.checks.record('lockout', [
    ...(locked ? [] : [`the call was not locked after ${failures} failed checks`]),
    ...(locked && failures !== maxFailures ? [`locked after ${failures} failed checks, policy says ${maxFailures}`] : []),
  ]);
  if (locked?.body.handoff) {
    out(yellow('   handoff packet for the human agent:'));
    for (const line of JSON.stringify(locked.body.handoff, null, 2).split('\n')) out(yellow(`     ${line}`));
  }

  narrate('the caller keeps trying: every further step is refused');
  await call.orchestrate(
    { action: 'otp_send', channel: 'sms' },
    { http: 200, success: false, reason: 'blocked', next_required_step: 'transfer_to_human', privileged_allowed: false },
  );
  await call.orchestrate(
    { action: 'identify', account_ref: alan.memberId },
    { http: 200, success: false, reason: 'blocked', next_required_step: 'transfer_to_human', privileged_allowed: false },
  );
  await call.tool('transfer_funds', { to_account: 'savings', amount: 500 }, { http: 403, success: false, reason: 'blocked', next_required_step: 'transfer_to_human' });
  await call.orchestrate({ action: 'status' }, { http: 200, 'auth_state.status': 'handed_off', privileged_allowed: false, next_required_step: 'transfer_to_human' });
  return call;
}
