// Call 5: the VoxEQ screen flags an authenticated caller on the watch list mid-call; the call is
// handed off with a packet that holds no secret, a later clear verdict does not reopen it, a replayed
// delivery is refused, and the fraud-ops log stream shows what happened.
import type { Policy } from '../../policy/index.js';
import { presetResult } from '../../providers/voxeq/simulator.js';
import { demoCustomer } from '../demo-data.js';
import { Call, newCallSid, newConversationId, type DemoEnv } from './call.js';
import { CallAborted, includes, present, type Json } from './expect.js';
import { bold, dim, header, narrate, out, yellow } from './print.js';

/** A fraud-ops log line, compactly: `handoff queue=fraud_review reason=risk_high …`. */
function fraudOpsLine(e: Json): string {
  const fields = Object.entries(e)
    .filter(([k]) => !['at', 'level', 'event', 'stream', 'call_id'].includes(k))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v && typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  const time = typeof e.at === 'string' ? e.at.slice(11, 23) : '';
  return `${time} ${bold(String(e.event))} ${fields.join(' ')}`;
}

/** Keys a handoff packet must never carry, at any depth. */
const SECRET_KEYS = /^(code|codes|answer|answers|secret|token|password|pin|otp|did|audio|recording)$/i;
function secretKeysIn(value: unknown, path = ''): string[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Json).flatMap(([k, v]) => [
    ...(SECRET_KEYS.test(k) ? [`${path}${k}`] : []),
    ...(Array.isArray(v) ? [] : secretKeysIn(v, `${path}${k}.`)),
  ]);
}

export async function call5(env: DemoEnv, policy: Policy): Promise<Call> {
  const alan = demoCustomer('demo-alan');
  header('Call 5 · watch-list hit mid-call: VoxEQ flags an authenticated caller, the call is handed off');
  const call = new Call(env, newCallSid(), newConversationId());
  const phone = alan.body.phones[0]!;
  narrate(`a caller rings from ${alan.body.display_name}'s enrolled phone ${phone}; call ${call.callId}`);
  narrate('VoxEQ screens the voice alongside the call and posts its verdicts to POST /voxeq/results, signed with VOXEQ_WEBHOOK_SECRET');

  await call.initiation(phone, {
    http: 200,
    'dynamic_variables.auth_status': 'pending',
    'dynamic_variables.auth_risk_tier': 'low',
    'dynamic_variables.auth_next_step': 'identify',
    'dynamic_variables.auth_privileged_allowed': false,
  });

  narrate("VoxEQ's first verdict: clear");
  const first = await call.screen(presetResult('clear', call.callId), {
    http: 200,
    success: true,
    call_id: call.callId,
    status: 'pending',
    risk_tier: 'low',
    privileged_allowed: false,
  });

  await call.orchestrate(
    { action: 'identify', account_ref: alan.memberId },
    { http: 200, success: true, 'auth_state.identified': true, 'auth_state.status': 'pending', 'auth_state.risk_signals.screen_clear': true, next_required_step: 'otp_send' },
  );
  await call.orchestrate({ action: 'otp_send', channel: 'sms' }, { http: 200, success: true, next_required_step: 'otp_verify', privileged_allowed: false });
  const code = await call.readSms();
  call.spoken.add(code);
  narrate('the caller reads the code out: whoever holds this phone gets the SMS');
  await call.orchestrate(
    { action: 'otp_verify', code },
    { http: 200, success: true, reason: 'ok', 'auth_state.status': 'authenticated', 'auth_state.risk_tier': 'low', privileged_allowed: true, next_required_step: 'none' },
  );
  await call.tool('account_summary', {}, { http: 200, success: true });

  narrate('mid-call, VoxEQ matches the voice against the fraud watch list');
  await call.screen(presetResult('watch_list', call.callId), {
    http: 200,
    success: true,
    call_id: call.callId,
    status: 'handed_off',
    risk_tier: 'high',
    privileged_allowed: false,
  });

  const high = policy.tiers.high as { queue?: string } | undefined;
  const queue = high?.queue ?? policy.handoff_queue;
  narrate("the agent's next request learns the call is closed: a human takes over, with a packet");
  const closed = await call.orchestrate(
    { action: 'status' },
    {
      http: 200,
      'auth_state.status': 'handed_off',
      'auth_state.risk_tier': 'high',
      'auth_state.risk_signals.watch_list': true,
      next_required_step: 'transfer_to_human',
      privileged_allowed: false,
      'handoff.reason': 'risk_high',
      'handoff.queue': queue,
      'handoff.customer_id': alan.body.customer_id,
      'handoff.summary': present,
      'handoff.factors_passed': includes('otp'),
      'handoff.risk_labels': includes('watch_list'),
    },
  );
  const packet = closed.body.handoff as Json | undefined;
  if (packet) {
    out(yellow('   handoff packet for the human agent:'));
    for (const line of JSON.stringify(packet, null, 2).split('\n')) out(yellow(`     ${line}`));
  }
  // No code, no answer, no audio: neither by name nor by value.
  const packetText = JSON.stringify(packet ?? {});
  const secrets = [...call.spoken, ...alan.body.kba.map((k) => k.answer)];
  env.checks.record('the handoff packet holds no secret', [
    ...(packet ? [] : ['no handoff packet in the answer']),
    ...secretKeysIn(packet).map((k) => `the packet has a field ${k}`),
    ...secrets.filter((x) => packetText.toLowerCase().includes(x.toLowerCase())).map((x) => `a code or answer (${x.length} chars) appears in the packet`),
  ]);

  narrate('the caller asks for a transfer, then their balances: both refused, the call is closed');
  await call.tool('transfer_funds', { to_account: 'savings', amount: 900 }, { http: 403, success: false, reason: 'blocked', next_required_step: 'transfer_to_human' });
  await call.tool('account_summary', {}, { http: 403, success: false, reason: 'blocked', next_required_step: 'transfer_to_human' });

  narrate('VoxEQ later posts a clear verdict: the closed call does not reopen');
  // Another score than the first verdict: a new delivery, not a replay, even within the same second.
  await call.screen({ ...presetResult('clear', call.callId), score: 0.02 }, {
    http: 200,
    success: true,
    status: 'handed_off',
    privileged_allowed: false,
  });
  await call.orchestrate(
    { action: 'otp_send', channel: 'sms' },
    { http: 200, success: false, reason: 'blocked', next_required_step: 'transfer_to_human', privileged_allowed: false, 'auth_state.status': 'handed_off', 'handoff.reason': 'risk_high' },
  );
  await call.tool('account_summary', {}, { http: 403, success: false, reason: 'blocked', next_required_step: 'transfer_to_human' });

  narrate("someone replays VoxEQ's first signed delivery, byte for byte, inside the 300 s window");
  if (!first.delivery) throw new CallAborted('the first screen delivery was not recorded');
  await call.replay(first.delivery, { http: 409, success: false, reason: 'replayed' });

  // What a SIEM following the fraud-ops stream saw for this call.
  const events = env.fraudOps(call.callId);
  out(`   ${bold('fraud-ops stream')} ${dim(`(server log lines with "stream":"fraud_ops" for ${call.callId})`)}`);
  for (const e of events) out(dim(`     ${fraudOpsLine(e)}`));
  const names = events.map((e) => String(e.event));
  const risk = events.find((e) => e.event === 'screen_risk');
  const handoffs = events.filter((e) => e.event === 'handoff');
  const streamText = JSON.stringify(events);
  env.checks.record('fraud-ops stream', [
    ...(risk ? [] : ['no screen_risk event']),
    ...(risk && !(Array.isArray(risk.labels) && risk.labels.includes('watch_list')) ? [`screen_risk labels ${JSON.stringify(risk.labels)}, expected watch_list`] : []),
    ...(handoffs.length === 1 ? [] : [`${handoffs.length} handoff events, expected exactly 1`]),
    ...(handoffs[0] && (handoffs[0].reason !== 'risk_high' || handoffs[0].queue !== queue) ? [`handoff ${handoffs[0].reason} → ${handoffs[0].queue}, expected risk_high → ${queue}`] : []),
    ...(risk && handoffs[0] && names.indexOf('screen_risk') > names.indexOf('handoff') ? ['handoff logged before screen_risk'] : []),
    ...secrets.filter((x) => streamText.toLowerCase().includes(x.toLowerCase())).map((x) => `a code or answer (${x.length} chars) appears in the stream`),
  ]);
  return call;
}
