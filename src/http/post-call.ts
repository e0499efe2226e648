import { Hono } from 'hono';
import { ELEVENLABS_SIGNATURE_HEADER, verifyElevenLabsSignature } from '../elevenlabs/webhook-signature.js';
import { cancelSession } from '../factors/did/sessions.js';
import type { Services } from '../kernel/index.js';
import type { Db } from '../store/db.js';
import type { CallRow } from '../store/schema/calls.js';
import { jsonError } from './errors.js';

// POST /elevenlabs/post-call — ElevenLabs' post-call webhook. Not behind the bearer: it is signed
// (`ElevenLabs-Signature`, checked with WebCrypto in constant time; nothing here is Node-only).
// On `post_call_transcription` and `call_initiation_failure` the call's auth_state ends, any
// pending DID session is canceled, and one `call_outcome` event records time-to-verify and
// containment. Anything else that is signed answers 200: ElevenLabs disables a webhook that keeps
// failing, and an unknown conversation is not an error of theirs.

export interface PostCallDeps {
  db: Db;
  /** ELEVENLABS_WEBHOOK_SECRET; without it the route answers 503 `not_configured`. */
  elevenlabs?: { webhookSecret?: string | undefined } | undefined;
}

const ENDING_EVENTS = new Set(['post_call_transcription', 'call_initiation_failure']);

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
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

export function postCallRoutes(s: Services, deps: PostCallDeps) {

  return new Hono().post('/post-call', async (c) => {
    const secret = deps.elevenlabs?.webhookSecret;
    if (!secret) return jsonError(c, 503, 'not_configured');

    const raw = await c.req.text();
    const check = await verifyElevenLabsSignature(secret, c.req.header(ELEVENLABS_SIGNATURE_HEADER), raw, s.clock.now() / 1000);
    if (!check.ok) {
      s.logger.warn('post_call_refused', { reason: check.reason });
      return jsonError(c, 401, check.reason);
    }
    let event: Obj;
    try {
      event = obj(JSON.parse(raw));
    } catch {
      return jsonError(c, 400, 'invalid_request', { errors: [{ field: 'body', message: 'malformed JSON' }] });
    }
    const type = str(event.type) ?? 'unknown';
    if (!ENDING_EVENTS.has(type)) return c.json({ success: true, reason: 'ignored', type });

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
      return c.json({ success: true, reason: 'unknown_call', type });
    }

    const now = s.clock.now();
    const ended = await s.calls.end(call.id, now);
    if (ended) {
      await s.audit.record(call.id, 'call_ended', now, {
        source: 'elevenlabs_post_call',
        event: type,
        ...(conversationId ? { conversation_id: conversationId } : {}),
      });
    }
    for (const session of await s.did.pendingForCall(call.id)) await cancelSession(s, session);

    const after = ended ?? (await s.calls.get(call.id)) ?? call;
    const outcome = outcomeOf(call, after, type, data);
    // Recorded once per call, however many webhooks arrive.
    const first = await s.receipts.claim(`elevenlabs:call_outcome:${call.id}`, now, { status: 200, contentType: 'application/json', body: JSON.stringify(outcome) });
    if (first) await s.audit.record(call.id, 'call_outcome', now, outcome);
    return c.json({ success: true, reason: 'ok', type, call_id: call.id, status: after.status });
  });
}
