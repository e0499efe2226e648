// Scene 5: raising your own risk never lowers the bar: a wrong-code burst raises the tier, and the
// clear screen stops counting as a factor.
import { presetResult } from '../../../providers/voxeq/simulator.js';
import { demoAnswer } from '../../demo-data.js';
import { misread, sentTo } from '../call.js';
import { CallAborted, present } from '../expect.js';
import { narrate, scene } from '../print.js';
import type { Fraud } from './context.js';

export async function raisedRisk({ env, policy, ada, alan, alanPhone, dial, track }: Fraud): Promise<void> {
  // The per-number send limit of scene 4: the fraudster's own number reaches it here.
  const dest = policy.limits.sends_per_destination;
  const transferNeeds = policy.actions.transfer_funds?.require ?? 1;
  scene(`5 · raising your own risk never lowers the bar: transfer_funds needs ${transferNeeds} factors, a clear fraud screen is none`);
  const { call: risky } = await dial('the fraudster, on their own account, rings from their own phone', alanPhone);
  narrate("VoxEQ's verdict: clear");
  await risky.screen(presetResult('clear', risky.callId), { http: 200, success: true, status: 'pending', risk_tier: 'low' });
  await risky.orchestrate({ action: 'identify', account_ref: alan.memberId }, { http: 200, success: true, 'auth_state.identified': true, 'auth_state.risk_signals.screen_clear': true });
  const q = await risky.orchestrate({ action: 'kba_question', level: 'advanced' }, { http: 200, success: true, 'question.id': present, next_required_step: 'kba_verify' });
  const qid = q.body.question?.id as string | undefined;
  const answer = qid ? demoAnswer(alan.body.customer_id, qid) : undefined;
  if (!qid || !answer) throw new CallAborted(`no answer known for question ${qid}`);
  risky.spoken.add(answer);
  await risky.orchestrate(
    { action: 'kba_verify', question_id: qid, answer },
    { http: 200, success: true, reason: 'ok', 'auth_state.status': 'authenticated', 'auth_state.risk_tier': 'low', 'auth_state.auth_success_count': 1, privileged_allowed: true },
  );
  await risky.tool('transfer_funds', { to_account: 'savings', amount: 2500 }, { http: 403, success: false, reason: 'step_up_required', next_required_step: 'otp_send' });
  await risky.orchestrate({ action: 'otp_send', channel: 'sms' }, { http: 200, success: true, reason: 'ok', next_required_step: 'otp_verify' });
  const riskyCode = await risky.readSms();
  risky.spoken.add(riskyCode);
  const burst = policy.bursts.wrong_code.count;
  narrate(`${burst} wrong codes on purpose (wrong_code_burst: medium tier, which once let the clear screen count as a factor)`);
  let wrong = riskyCode;
  for (let i = 1; i <= burst; i++) {
    wrong = misread(wrong);
    risky.spoken.add(wrong);
    await risky.orchestrate(
      { action: 'otp_verify', code: wrong },
      i < burst
        ? { http: 200, success: false, reason: 'wrong_code' }
        : {
            http: 200,
            success: false,
            reason: 'max_attempts',
            'auth_state.risk_tier': 'medium',
            'auth_state.risk_signals.wrong_code_burst': true,
            'auth_state.status': 'pending',
            'auth_state.auth_success_count': 1,
            'auth_state.required_successes': 2,
            privileged_allowed: false,
            // The knowledge factor has passed, the fraudster has no device, and their number has had
            // its codes for the quarter hour (checked below): only a code by e-mail is left.
            next_required_step: 'otp_send',
            'next_step_args.channel': 'email',
          },
    );
  }
  const toAlan = await sentTo(env, alanPhone);
  narrate(`only e-mail is left to offer: ${toAlan} codes went to this number in the last ${dest.window_seconds / 60} min (calls 2 and 5, and three in this scene), and no device`);
  env.checks.record("the fraudster's number is at its send limit", toAlan === dest.max ? [] : [`${toAlan} codes to ${alanPhone}, the limit is ${dest.max}`]);
  narrate('the raised tier took the authentication back: the clear screen is no factor, the transfer stays refused');
  await risky.tool('transfer_funds', { to_account: 'savings', amount: 2500 }, { http: 403, success: false, reason: 'step_up_required', next_required_step: 'otp_send' });
  await risky.orchestrate(
    { action: 'status' },
    {
      http: 200,
      'auth_state.risk_tier': 'medium',
      'auth_state.status': 'pending',
      'auth_state.auth_success_count': 1,
      'auth_state.required_successes': 2,
      'auth_state.successes.0': 'kba_advanced',
      privileged_allowed: false,
    },
  );
  narrate(`a factor has passed on this call: moving the claim to ${ada.body.display_name} is refused and counted`);
  await risky.orchestrate(
    { action: 'identify', account_ref: ada.memberId },
    { http: 200, success: false, reason: 'identity_locked', 'auth_state.status': 'pending', privileged_allowed: false, next_required_step: 'otp_send' },
  );
  track({ label: 'Call 6 risk', call: risky, expect: { status: 'pending', types: ['screen_result', 'factor_passed', 'wrong_code_burst', 'tool_gate'] } });
}
