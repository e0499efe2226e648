// Calls 7 and 8: push approval on the line whose policy offers it first (policies/examples/push.yaml).
// Ada's phone registers for pushes; on one call she taps the number the agent says and the held
// push_wait answers at once; on the next, a caller who is not her gets a push she answers
// "this wasn't me": that call is blocked for the fraud queue and pushes to her pause.
import { pushApprove, pushDeny, pushEnrol, pushListen } from '../device/index.js';
import { demoCustomer } from '../demo-data.js';
import { Call, newCallSid, newConversationId, until, type DemoDevice, type DemoEnv } from './call.js';
import { CallAborted, is, present, type Json } from './expect.js';
import { bold, dim, green, header, ms, narrate, out, red } from './print.js';

/** The line policies/examples/push.yaml applies to. */
export const PUSH_LINE = '+18005550199';
/** Functional, not a speed check: push_wait must have been woken by the approval. */
const MAX_APPROVE_TO_ANSWER_MS = 1_000;
const WAIT_SECONDS = 15;

const is2 = is('to be two digits', (v) => typeof v === 'string' && /^\d{2}$/.test(v));

async function claimed(env: DemoEnv, device: DemoDevice, label: string): Promise<{ call: Call; number: string }> {
  const owner = demoCustomer(device.customerId);
  const call = new Call(env, newCallSid(), newConversationId());
  narrate(`${label}; call ${call.callId} on ${PUSH_LINE}`);
  await call.initiation(owner.body.phones[0]!, { http: 200, 'dynamic_variables.auth_next_step': 'identify' }, PUSH_LINE);
  await call.orchestrate({ action: 'identify', account_ref: owner.memberId }, { http: 200, success: true, next_required_step: 'push_send', 'auth_state.policy.id': 'push' });
  const sent = await call.orchestrate(
    { action: 'push_send' },
    { http: 200, success: true, push_number: is2, 'push_prompts.speak': present, 'push_prompts.denied': present, next_required_step: 'push_wait' },
  );
  const number = sent.body.push_number;
  if (typeof number !== 'string') throw new CallAborted('push_send gave no number');
  out(`   ${bold('agent says:')} "${String((sent.body.push_prompts as Json | undefined)?.speak)}"`);
  return { call, number };
}


export async function call7(env: DemoEnv, device: DemoDevice): Promise<Call> {
  header('Call 7 · push approval: the caller taps the number the agent says');
  const o = { env: {}, url: env.http.baseUrl, deviceDir: device.deviceDir, deviceId: device.deviceId, now: env.clock.now };
  const enrolled = await pushEnrol(o);
  env.checks.record('the phone registers for pushes', enrolled.ok ? [] : [enrolled.message]);
  narrate(`device ${device.deviceId} registers for pushes (POST /app/push/register, signed by its key; the pull channel)`);
  const { call, number } = await claimed(env, device, 'Ada calls the line that serves app customers');

  const wait = call.begin({ action: 'push_wait', wait_seconds: WAIT_SECONDS });
  env.checks.record('push_wait holds', (await until(() => env.longPolls() > 0, 10_000)) ? [] : ['push_wait was not holding within 10 s']);
  const listened = await pushListen({ ...o, waitSeconds: 5 });
  const choices = listened.ok ? (listened.challenges[0]?.choices ?? []) : [];
  out(`   ${bold('phone')} GET /app/push/pending ${bold('←')} the app shows ${choices.map((c) => bold(c)).join('  ')} ${dim('(the right one among two decoys)')}`);
  const approved = await pushApprove({ ...o, number });
  const approvedAt = performance.now();
  if (approved.ok) out(`   ${bold('phone')} Ada taps ${bold(number)} → POST /app/push/approve ${bold('←')} ${green('200')} approved ${dim(`(${approved.roundTripMs} ms)`)} ${green('✓')}`);
  else out(`   ${bold('phone')} ${red(`✗ ${approved.message}`)}`);
  env.checks.record('the phone approves the push', approved.ok ? [] : [approved.message]);

  const { res, arrivedAt } = await wait.answered;
  wait.finish(res, { http: 200, success: true, push_status: 'approved', 'auth_state.status': 'authenticated', privileged_allowed: true, next_required_step: 'none' });
  const latency = arrivedAt - approvedAt;
  out(`   ${bold('approve-to-answer:')} push_wait answered ${ms(Math.abs(latency))} ${latency >= 0 ? 'after' : 'before'} the phone got its answer`);
  env.checks.record('push_wait moves on at once', latency <= MAX_APPROVE_TO_ANSWER_MS ? [] : [`push_wait answered ${ms(latency)} after the approval`]);
  await call.tool('account_summary', {}, { http: 200, success: true });
  return call;
}

export async function call8(env: DemoEnv, device: DemoDevice): Promise<Call> {
  header('Call 8 · "this wasn\'t me": a push the customer did not ask for');
  const o = { env: {}, url: env.http.baseUrl, deviceDir: device.deviceDir, deviceId: device.deviceId, now: env.clock.now };
  const { call } = await claimed(env, device, "a fraudster rings with Ada's caller ID and says her member ID");
  narrate('the fraudster cannot see the push; Ada, at home, gets it unprompted and taps "this wasn\'t me"');
  const denied = await pushDeny({ ...o, waitSeconds: 5 });
  if (denied.ok) out(`   ${bold('phone')} POST /app/push/deny ${bold('←')} ${green('200')} denied ${green('✓')}`);
  env.checks.record('the phone denies the push', denied.ok ? [] : [denied.message]);
  await call.orchestrate(
    { action: 'push_wait', wait_seconds: 1 },
    { http: 200, success: false, reason: 'blocked', next_required_step: 'transfer_to_human', 'handoff.queue': 'fraud_review', 'auth_state.status': 'blocked' },
  );
  narrate('pushes to Ada now pause for a day: another call cannot send one');
  const again = new Call(env, newCallSid(), newConversationId());
  await again.initiation(demoCustomer(device.customerId).body.phones[0]!, { http: 200 }, PUSH_LINE);
  await again.orchestrate({ action: 'identify', account_ref: demoCustomer(device.customerId).memberId }, { http: 200, success: true, next_required_step: is('not a push', (v) => v !== 'push_send') });
  await again.orchestrate({ action: 'push_send' }, { http: 200, success: false, reason: 'push_paused' });
  return call;
}
