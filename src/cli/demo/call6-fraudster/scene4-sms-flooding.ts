// Scene 4: codes to one number are limited across calls, guessed codes spend the code budget
// whatever the channel, and one caller ID opens only so many calls. Returns the code budget's
// budget_locked event (scene 6 waits it out).
import { Call, misread, newCallSid, newConversationId, peekCode, sentTo, showAuditEvent } from '../call.js';
import { CallAborted, oneOf, type Json } from '../expect.js';
import { narrate, scene } from '../print.js';
import type { Fraud } from './context.js';

export async function smsFlooding({ env, policy, ada, adaPhone, dial, fraudNumber, pendingInit, track }: Fraud): Promise<Json | undefined> {
  const dest = policy.limits.sends_per_destination;
  const cb = policy.budgets.code;
  const codeGuessesPerCall = 2;
  scene(
    `4 · SMS flooding: at most ${dest.max} codes to one number per ${dest.window_seconds / 60} min across calls; ` +
      `codes guessed count against ${cb.max_failures} failures per ${cb.window_seconds / 60} min`,
  );
  const already = await sentTo(env, adaPhone);
  narrate(`${already} code(s) went to ${ada.body.display_name}'s phone earlier in this demo (call 1); every fraud call asks for one more and guesses it`);
  let sent = already;
  let codeFailures = 0; // call 1's code was right: the code budget is whole
  let refusedCall: Call | undefined;
  for (let n = 1; !refusedCall && n <= dest.max + 1; n++) {
    // Once the number's limit is reached, the send offered is to her e-mail, never her phone again.
    const { call: c } = await dial(`flood call ${n}`, fraudNumber(), { memberId: ada.memberId, next: 'otp_send' });
    if (sent >= dest.max) {
      refusedCall = c;
      // A refused send is never answered with another send: knowledge is out, so what is left for
      // Ada is her device, which the fraudster does not hold.
      await c.orchestrate(
        { action: 'otp_send', channel: 'sms' },
        { http: 200, success: false, reason: 'rate_limited', privileged_allowed: false, next_required_step: 'did_issue' },
      );
      break;
    }
    await c.orchestrate({ action: 'otp_send', channel: 'sms' }, { http: 200, success: true, reason: 'ok', next_required_step: 'otp_verify', destination_hint: `SMS to the number ending ${adaPhone.slice(-2)}` });
    sent++;
    const code = await peekCode(env, c);
    let guess = code;
    narrate("the code is on Ada's phone, not the fraudster's: they guess");
    for (let g = 0; g < codeGuessesPerCall && codeFailures < cb.max_failures - 1; g++) {
      guess = misread(guess);
      c.spoken.add(guess);
      codeFailures++;
      await c.orchestrate({ action: 'otp_verify', code: guess }, { http: 200, success: false, reason: 'wrong_code', privileged_allowed: false, 'auth_state.status': 'pending' });
    }
  }
  if (!refusedCall) throw new CallAborted('no send was refused');
  const refusal = await showAuditEvent(refusedCall, 'otp_send_refused', ['channel', 'limit', 'customer_id']);
  env.checks.record('the destination limit refused the send', [
    ...(sent === dest.max ? [] : [`${sent} codes reached the number, the limit is ${dest.max}`]),
    ...(refusal?.limit === 'sends_per_destination' ? [] : [`otp_send_refused limit ${JSON.stringify(refusal?.limit)}`]),
  ]);

  narrate('the fraudster switches to e-mail (another destination, its own limit): the codes still count against the same budget');
  await refusedCall.orchestrate({ action: 'otp_send', channel: 'email' }, { http: 200, success: true, reason: 'ok', next_required_step: 'otp_verify' });
  const mailed = await peekCode(env, refusedCall);
  let guess = mailed;
  while (codeFailures < cb.max_failures) {
    guess = misread(guess);
    refusedCall.spoken.add(guess);
    codeFailures++;
    await refusedCall.orchestrate({ action: 'otp_verify', code: guess }, { http: 200, success: false, reason: oneOf('wrong_code', 'max_attempts'), privileged_allowed: false });
  }
  const codeLock = await showAuditEvent(refusedCall, 'budget_locked', ['customer_id', 'family', 'failures_in_window', 'consecutive_failures', 'locked_until']);
  env.checks.record('the code budget locks', [
    ...(codeLock?.family === 'code' && codeLock.customer_id === ada.body.customer_id ? [] : [`budget_locked ${JSON.stringify(codeLock?.customer_id)}/${JSON.stringify(codeLock?.family)}`]),
    ...(codeLock && codeLock.failures_in_window !== cb.max_failures ? [`failures_in_window ${codeLock.failures_in_window}, expected ${cb.max_failures}`] : []),
  ]);
  refusedCall.spoken.add(mailed);
  narrate('even the real code (as if the fraudster had intercepted the e-mail) is refused now');
  await refusedCall.orchestrate(
    { action: 'otp_verify', code: mailed },
    { http: 200, success: false, reason: 'locked', remaining_attempts: 0, 'auth_state.auth_success_count': 0, privileged_allowed: false, next_required_step: 'did_issue' },
  );
  await refusedCall.orchestrate(
    { action: 'otp_send', channel: 'email' },
    { http: 200, success: false, reason: 'locked', remaining_attempts: 0, privileged_allowed: false, next_required_step: 'did_issue' },
  );
  track({ label: 'Call 6 flood', call: refusedCall, expect: { status: 'pending', types: ['otp_send_refused', 'otp_sent', 'factor_failed', 'budget_locked'] } });

  narrate(`rotating numbers is forced: one caller ID opens at most ${policy.limits.calls_per_caller_id.max} calls per ${policy.limits.calls_per_caller_id.window_seconds / 60} min`);
  const dialer = fraudNumber();
  const cap = policy.limits.calls_per_caller_id.max;
  let capped: Call | undefined;
  for (let n = 1; n <= cap + 1; n++) {
    const c = new Call(env, newCallSid(), newConversationId());
    if (n <= cap) {
      await c.initiation(dialer, pendingInit);
      continue;
    }
    narrate(`call ${n} from ${dialer}: ${c.callId}`);
    await c.initiation(dialer, { http: 200, 'dynamic_variables.auth_next_step': 'transfer_to_human', 'dynamic_variables.auth_privileged_allowed': false });
    await c.orchestrate(
      { action: 'identify', account_ref: ada.memberId },
      { http: 200, success: false, reason: 'blocked', next_required_step: 'transfer_to_human', privileged_allowed: false, 'handoff.reason': 'call_limit' },
    );
    capped = c;
  }
  if (capped) track({ label: 'Call 6 cap', call: capped, expect: { status: 'handed_off', types: ['call_created', 'call_limited', 'handoff'] } });
  return codeLock;
}
