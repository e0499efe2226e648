import { Hono } from 'hono';
import { ELEVENLABS_SIGNATURE_HEADER, verifyElevenLabsSignature } from '../elevenlabs/webhook-signature.js';
import { applyPostCall, obj, type Obj } from '../elevenlabs/post-call.js';
import type { Services } from '../kernel/index.js';
import type { Db } from '../store/db.js';
import { jsonError } from './errors.js';

// POST /elevenlabs/post-call — ElevenLabs' post-call webhook. Not behind the bearer: it is signed
// (`ElevenLabs-Signature`, checked with WebCrypto in constant time; nothing here is Node-only).
// What the event does to its call is src/elevenlabs/post-call.ts: every signed event answers 200.

export interface PostCallDeps {
  db: Db;
  /** ELEVENLABS_WEBHOOK_SECRET; without it the route answers 503 `not_configured`. */
  elevenlabs?: { webhookSecret?: string | undefined } | undefined;
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
    return c.json(await applyPostCall(s, event));
  });
}
