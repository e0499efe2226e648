import type { Services } from '../kernel/index.js';
import { endCall } from '../orchestrator/end-call.js';
import type { CallRow } from '../store/schema/calls.js';

// What an ElevenLabs post-call event does to its call: on `post_call_transcription` and
// `call_initiation_failure` the call's auth_state ends (whatever a factor had outstanding is
// voided) and one `call_outcome` event records time-to-verify and containment. Anything else is
// acknowledged and ignored: ElevenLabs disables a webhook that keeps failing.

const ENDING_EVENTS = new Set(['post_call_transcription', 'call_initiation_failure']);

export type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' && v.length <= 128 ? v.trim() : undefined);

/** The Twilio call SID (callgate's call id on phone calls) wherever this event type carries it. */
function callIdsOf(data: Obj): string[] {
  const metadata = obj(data.metadata);
  const vars = obj(obj(data.conversation_initiation_client_data).dynamic_variables);
  const ids = [
    vars.auth_call_id, // what the initiation webhook answered
    vars.system__call_sid,
    obj(metadata.phone_call).call_sid, // post_call_transcription, Twilio
    obj(metadata.body).CallSid, // call_initiation_failure, Twilio
    obj(metadata.body).call_sid, // call_initiation_failure, SIP
  ].map(str);
  return [...new Set(ids.filter((x): x is string => x !== undefined))];
}

function outcomeOf(before: CallRow, after: CallRow, event: string, data: Obj) {
  const metadata = obj(data.metadata);
  const authenticated = before.authenticatedAt !== null;
  const handedOff = before.status === 'handed_off' || before.handoff !== null;
  const duration = metadata.call_duration_secs;
  return {
    event,
    status_before: before.status,
    status: after.status,
    authenticated,
    ...(authenticated ? { time_to_verify_ms: before.authenticatedAt! - before.createdAt } : {}),
    handed_off: handedOff,
    blocked: before.status === 'blocked',
    contained: authenticated && !handedOff,
    factors: Object.keys(before.successes),
    ...(typeof duration === 'number' && Number.isFinite(duration) ? { call_duration_secs: duration } : {}),
    ...(str(data.failure_reason) ? { failure_reason: str(data.failure_reason) } : {}),
  };
}

export type PostCallAnswer =
  | { success: true; reason: 'ignored' | 'unknown_call'; type: string }
  | { success: true; reason: 'ok'; type: string; call_id: string; status: CallRow['status'] };

/** Applies one verified post-call event; every answer is a 200 (see above). */
export async function applyPostCall(s: Services, event: Obj): Promise<PostCallAnswer> {
  const type = str(event.type) ?? 'unknown';
  if (!ENDING_EVENTS.has(type)) return { success: true, reason: 'ignored', type };

  const data = obj(event.data);
  const conversationId = str(data.conversation_id);
  let call = conversationId ? await s.calls.byConversation(conversationId) : undefined;
  for (const id of call ? [] : callIdsOf(data)) {
    const found = await s.calls.get(id);
    // A call bound to another conversation is not this conversation's to end.
    if (found && (found.conversationId === null || found.conversationId === conversationId)) {
      call = found;
      break;
    }
  }
  if (!call) {
    s.logger.info('post_call_unknown', { type, conversation_id: conversationId ?? null });
    return { success: true, reason: 'unknown_call', type };
  }

  const now = s.clock.now();
  const after = await endCall(s, call, now, {
    source: 'elevenlabs_post_call',
    event: type,
    ...(conversationId ? { conversation_id: conversationId } : {}),
  });
  const outcome = outcomeOf(call, after, type, data);
  // Recorded once per call, however many webhooks arrive.
  const first = await s.receipts.claim(`elevenlabs:call_outcome:${call.id}`, now, { status: 200, contentType: 'application/json', body: JSON.stringify(outcome) });
  if (first) await s.audit.record(call.id, 'call_outcome', now, outcome);
  return { success: true, reason: 'ok', type, call_id: call.id, status: after.status };
}
