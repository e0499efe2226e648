// Scene 1: a spoofed copy of the victim's number is answered exactly like an unknown number.
import type { JsonResponse } from '../../http-client.js';
import type { Json } from '../expect.js';
import { narrate, scene } from '../print.js';
import type { Fraud } from './context.js';

/** An answer as the caller sees it, minus the call's own ids (which differ by design). */
function callerView(res: JsonResponse<Json>): string {
  const ids = new Set(['call_id', 'conversation_id', 'auth_call_id']);
  return JSON.stringify(res.body, (k, v) => (ids.has(k) ? undefined : v));
}

export async function spoofedCallerId({ env, ada, adaPhone, dial, fraudNumber }: Fraud): Promise<void> {
  scene(`1 · caller ID: a spoofed copy of ${ada.body.display_name}'s number is answered exactly like an unknown number`);
  const spoofed = await dial(`the fraudster spoofs ${adaPhone}`, adaPhone);
  const unknown = await dial('for comparison, a number on no customer record', fraudNumber());
  const spoofedStatus = await spoofed.call.orchestrate({ action: 'status' }, { http: 200, success: true, 'auth_state.identified': false, next_required_step: 'identify', privileged_allowed: false });
  const unknownStatus = await unknown.call.orchestrate({ action: 'status' }, { http: 200, success: true, 'auth_state.identified': false, next_required_step: 'identify', privileged_allowed: false });
  const initSame = callerView(spoofed.init) === callerView(unknown.init);
  const statusSame = callerView(spoofedStatus) === callerView(unknownStatus);
  narrate(initSame && statusSame ? 'the two initiation answers are identical apart from the call id, and so are the two status answers' : 'the answers differ');
  env.checks.record('a spoofed enrolled number answers like an unknown one', [
    ...(initSame ? [] : [`initiation ${callerView(spoofed.init)} vs ${callerView(unknown.init)}`]),
    ...(statusSame ? [] : [`status ${callerView(spoofedStatus)} vs ${callerView(unknownStatus)}`]),
    ...(/Ada|Lovelace|0142|example\.com/.test(JSON.stringify([spoofed.init.body, spoofedStatus.body])) ? ['personal data in a pre-auth answer'] : []),
  ]);
}
