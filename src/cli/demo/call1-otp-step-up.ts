// Call 1: a low-risk caller identifies by member ID, proves an SMS code, and is asked for a second
// factor before moving money; a retried transfer moves nothing twice.
import type { Policy } from '../../policy/index.js';
import { demoAnswer, demoCustomer, formatCents } from '../demo-data.js';
import type { JsonResponse } from '../http-client.js';
import { Call, newCallSid, newConversationId, type DemoEnv } from './call.js';
import { CallAborted, oneOf, present, type Json } from './expect.js';
import { header, narrate } from './print.js';

function balances(res: JsonResponse<Json>): Map<string, number> {
  const m = new Map<string, number>();
  for (const a of (res.body.accounts ?? []) as Json[]) m.set(String(a.kind), Math.round(Number(a.balance) * 100));
  return m;
}

export async function call1(env: DemoEnv, policy: Policy): Promise<Call> {
  const ada = demoCustomer('demo-ada');
  header('Call 1 · low risk: member ID, SMS code, step-up before moving money');
  const call = new Call(env, newCallSid(), newConversationId());
  narrate(`${ada.body.display_name} calls from her enrolled phone ${ada.body.phones[0]}; call ${call.callId}, conversation ${call.conversationId}`);

  const init = await call.initiation(ada.body.phones[0]!, {
    http: 200,
    type: 'conversation_initiation_client_data',
    'dynamic_variables.auth_call_id': call.callId,
    'dynamic_variables.auth_status': 'pending',
    'dynamic_variables.auth_privileged_allowed': false,
    'dynamic_variables.auth_risk_tier': 'low',
    // Caller ID claims nobody: an enrolled number is answered exactly like an unknown one.
    'dynamic_variables.auth_next_step': 'identify',
  });
  // A spoofed caller ID must learn nothing: no name, no number, only the five auth variables
  // and the agent's own placeholders.
  const vars = (init.body.dynamic_variables ?? {}) as Json;
  const keys = Object.keys(vars).sort().join(',');
  // The call id (checked above) is random hex: it may hold any four digits, so it is not scanned.
  const { auth_call_id: _callId, ...scanned } = vars;
  const personal = JSON.stringify(scanned).match(/Ada|Lovelace|0142|example\.com/);
  env.checks.record('initiation has no personal data', [
    ...(keys === 'auth_call_id,auth_next_step,auth_privileged_allowed,auth_risk_tier,auth_status,host_session_token' ? [] : [`unexpected dynamic variables: ${keys}`]),
    ...(personal ? [`personal data in dynamic_variables: ${personal[0]}`] : []),
  ]);

  narrate('the agent asks for the member ID; the caller says it (caller ID alone proves nothing)');
  await call.orchestrate(
    { action: 'identify', account_ref: 'm 100 042' },
    { http: 200, success: true, reason: 'ok', 'auth_state.identified': true, 'auth_state.status': 'pending', next_required_step: 'otp_send', privileged_allowed: false },
  );
  await call.orchestrate(
    { action: 'otp_send', channel: 'sms' },
    { http: 200, success: true, reason: 'ok', next_required_step: 'otp_verify', destination_hint: 'SMS to the number ending 42', privileged_allowed: false },
  );
  const code = await call.readSms();
  call.spoken.add(code);
  narrate('the caller reads the code out');
  await call.orchestrate(
    { action: 'otp_verify', code: `${code.slice(0, 3)} ${code.slice(3)}` },
    {
      http: 200,
      success: true,
      reason: 'ok',
      'auth_state.status': 'authenticated',
      'auth_state.auth_success_count': 1,
      'auth_state.required_successes': 1,
      privileged_allowed: true,
      next_required_step: 'none',
    },
  );

  const before = await call.tool('account_summary', {}, { http: 200, success: true });
  const required = policy.actions.transfer_funds?.require ?? 1;
  narrate(`a transfer needs ${required} distinct factors under policy ${policy.id} v${policy.version}; one is proven so far`);
  await call.tool('transfer_funds', { to_account: 'savings', amount: 250 }, { http: 403, success: false, reason: 'step_up_required', next_required_step: 'kba_question' });

  const q = await call.orchestrate(
    { action: 'kba_question', level: 'advanced' },
    // The call is authenticated at its tier, so `none` is a documented answer here; `kba_verify` would guide an agent better.
    { http: 200, success: true, 'question.id': present, 'question.text': present, next_required_step: oneOf('kba_verify', 'none') },
  );
  const questionId = q.body.question?.id as string | undefined;
  const answer = questionId ? demoAnswer('demo-ada', questionId) : undefined;
  if (!questionId || !answer) throw new CallAborted(`no answer known for question ${questionId}`);
  call.spoken.add(answer);
  narrate('the caller answers correctly');
  await call.orchestrate(
    { action: 'kba_verify', question_id: questionId, answer },
    { http: 200, success: true, reason: 'ok', 'auth_state.auth_success_count': 2, 'auth_state.status': 'authenticated', privileged_allowed: true },
  );

  const transfer = await call.tool(
    'transfer_funds',
    { to_account: 'savings', amount: 250, memo: 'demo' },
    { http: 200, success: true, 'transfer.status': 'completed', 'transfer.amount': 250 },
  );
  const after = await call.tool('account_summary', {}, { http: 200, success: true });
  const b0 = balances(before);
  const b1 = balances(after);
  env.checks.record('balances moved by the transfer', [
    ...(b1.get('checking') === (b0.get('checking') ?? NaN) - 25_000 ? [] : [`checking ${b0.get('checking')} → ${b1.get('checking')}, expected −25000 cents`]),
    ...(b1.get('savings') === (b0.get('savings') ?? NaN) + 25_000 ? [] : [`savings ${b0.get('savings')} → ${b1.get('savings')}, expected +25000 cents`]),
  ]);
  narrate(
    `checking ${formatCents(b0.get('checking') ?? 0)} → ${formatCents(b1.get('checking') ?? 0)}, savings ${formatCents(b0.get('savings') ?? 0)} → ${formatCents(b1.get('savings') ?? 0)}`,
  );

  narrate('the voice platform retries the same tool call: same transfer, no second debit');
  await call.tool(
    'transfer_funds',
    { to_account: 'savings', amount: 250, memo: 'demo' },
    { http: 200, success: true, 'transfer.id': transfer.body.transfer?.id ?? present },
  );
  const again = await call.tool('account_summary', {}, { http: 200, success: true });
  env.checks.record('retry moved no money', balances(again).get('checking') === b1.get('checking') ? [] : ['the retried transfer moved money again']);
  return call;
}
