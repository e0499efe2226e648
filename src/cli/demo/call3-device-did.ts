// Call 3: an unidentified caller confirms a Dynamic Identifier in the phone app (the device
// simulator); the held did_wait answers at once and the device identifies the caller.
import { confirmDid } from '../device/index.js';
import { demoCustomer } from '../demo-data.js';
import { Call, DID_WAIT_SECONDS, newCallSid, newConversationId, until, type DemoDevice, type DemoEnv } from './call.js';
import { CallAborted, positive, present, sixDigits, type Json } from './expect.js';
import { bold, dim, green, header, ms, narrate, out, red } from './print.js';

/** A number on no customer record (fictional 555-01xx). */
const UNKNOWN_CALLER = '+17735550123';
/** A did_wait that answers later than this after the confirmation did not move on at once. */
// Functional, not a speed check (the bench measures speed): did_wait must have been woken by the
// confirmation, i.e. answered well before its own wait ran out.
const MAX_CONFIRM_TO_ANSWER_MS = 5_000;

export async function call3(env: DemoEnv, device: DemoDevice): Promise<Call> {
  const owner = demoCustomer(device.customerId);
  header('Call 3 · unidentified caller: a Dynamic Identifier confirmed in the phone app');
  const call = new Call(env, newCallSid(), newConversationId());
  narrate(`a caller rings from ${UNKNOWN_CALLER}, a number on no customer record; call ${call.callId}`);

  await call.initiation(UNKNOWN_CALLER, {
    http: 200,
    'dynamic_variables.auth_status': 'pending',
    'dynamic_variables.auth_next_step': 'identify',
    'dynamic_variables.auth_risk_tier': 'low',
    'dynamic_variables.auth_privileged_allowed': false,
  });
  await call.orchestrate(
    { action: 'status' },
    { http: 200, success: true, 'auth_state.identified': false, 'auth_state.status': 'pending', 'auth_state.policy.id': 'default', privileged_allowed: false },
  );
  narrate('the caller has no member ID at hand; the agent offers the phone app instead (no identification needed:');
  narrate('the device that confirms the number identifies the caller as its customer)');
  const issued = await call.orchestrate(
    { action: 'did_issue' },
    {
      http: 200,
      success: true,
      reason: 'ok',
      did: sixDigits,
      ttl_seconds: positive,
      'prompts.speak': present,
      'prompts.loop': present,
      next_required_step: 'did_wait',
      privileged_allowed: false,
      'auth_state.identified': false,
    },
  );
  const did = issued.body.did;
  if (typeof did !== 'string' || !/^\d{6}$/.test(did)) throw new CallAborted('did_issue gave no DID');
  call.spoken.add(did);
  out(`   ${bold('agent says:')} "${String(issued.body.prompts?.speak)}"`);

  narrate(`the agent holds the line with did_wait (a long-poll of up to ${DID_WAIT_SECONDS} s) while the caller opens the app`);
  const sentAt = performance.now();
  const wait = call.begin({ action: 'did_wait', wait_seconds: DID_WAIT_SECONDS });
  const holding = await until(() => env.longPolls() > 0, 10_000);
  env.checks.record('did_wait holds', holding ? [] : ['the did_wait request was not holding on the server within 10 s']);
  narrate(`did_wait is holding on the server (${env.longPolls()} long-poll waiting)`);

  narrate(`${owner.body.display_name} types ${did} into the app on her phone (device simulator, key ${device.deviceId})`);
  const confirmed = await confirmDid({ env: {}, url: env.http.baseUrl, deviceDir: device.deviceDir, deviceId: device.deviceId, did });
  const confirmArrivedAt = performance.now();
  if (confirmed.ok) {
    out(
      `   ${bold('phone')} POST /app/challenge → sign (P-256, device key) → POST /app/confirm ${bold('←')} ${green('200')} confirmed session ${confirmed.sessionId} ` +
        `${dim(`(device round trip ${confirmed.roundTripMs} ms: challenge ${confirmed.challengeMs} ms, confirm ${confirmed.confirmMs} ms)`)} ${green('✓')}`,
    );
  } else {
    out(`   ${bold('phone')} ${red(`✗ ${confirmed.message}`)}`);
  }
  env.checks.record('phone app confirms the DID', [
    ...(confirmed.ok ? [] : [`confirmDid failed: ${confirmed.reason}`]),
    ...(confirmed.ok && confirmed.customerId !== device.customerId ? [`confirmed as ${confirmed.customerId}`] : []),
  ]);

  const { res, arrivedAt } = await wait.answered;
  wait.finish(res, {
    http: 200,
    success: true,
    reason: 'ok',
    did_status: 'confirmed',
    'auth_state.identified': true,
    'auth_state.status': 'authenticated',
    'auth_state.successes.0': 'did',
    privileged_allowed: true,
    next_required_step: 'none',
  });
  const latency = arrivedAt - confirmArrivedAt;
  out(
    `   ${bold('confirm-to-answer:')} did_wait answered ${ms(Math.abs(latency))} ${latency >= 0 ? 'after' : 'before'} the phone got its confirmation ` +
      `${dim(`(the long-poll held ${ms(arrivedAt - sentAt)} of its ${DID_WAIT_SECONDS} s)`)}`,
  );
  env.checks.record('did_wait moves on at once', latency <= MAX_CONFIRM_TO_ANSWER_MS ? [] : [`did_wait answered ${ms(latency)} after the confirmation`]);

  narrate(`the call is authenticated by the device: the agent may now use the post-auth tools`);
  await call.tool('account_summary', {}, { http: 200, success: true });

  // What an operator sees for this call: the DID session's life, then the identification by the device.
  const trail = await env.http.request<Json>('GET', `/admin/calls/${encodeURIComponent(call.callId)}`, { bearer: env.adminToken });
  const st = (trail.body.auth_state ?? {}) as Json;
  const events = ((trail.body.events ?? []) as Json[]).filter((e) => e.type !== 'tool_gate' && e.type !== 'tool_result');
  const detail = (e: Json): string => {
    switch (e.type) {
      case 'session_created':
        return `session_created (${e.provider}, attempt ${e.attempt})`;
      case 'did_issued':
        return `did_issued (ttl ${e.ttl_seconds} s)`;
      case 'identified':
        return `identified (by ${e.by} → ${e.customer_id})`;
      case 'factor_passed':
        return `factor_passed (${e.factor})`;
      case 'confirmed':
        return `confirmed (device ${e.device_id})`;
      case 'policy_decision':
        return `policy_decision (${e.trigger} → ${e.status})`;
      default:
        return String(e.type);
    }
  };
  out(`   ${bold('audit trail')} ${dim(`GET /admin/calls/${call.callId}`)}`);
  out(dim(`     ${events.map(detail).join(' → ')}`));
  env.checks.record('the device identified the caller', [
    ...(trail.status === 200 ? [] : [`GET /admin/calls answered ${trail.status}`]),
    ...(st.customer_id === device.customerId ? [] : [`customer_id ${JSON.stringify(st.customer_id)}, expected ${device.customerId}`]),
    ...(st.identified_by === 'device' ? [] : [`identified_by ${JSON.stringify(st.identified_by)}, expected "device"`]),
  ]);
  return call;
}
