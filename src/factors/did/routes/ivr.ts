import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { createSession, cancelSession, sessionView, waitForSession } from '../sessions.js';
import { MAX_WAIT_SECONDS } from '../steps.js';
import type { RouteContext } from '../../../kernel/index.js';
import type { DidSession } from '../store.js';
import type { DidProvider } from '../schema.js';
import { readBody } from '../../../http/body.js';
import { invalidRequest, jsonError } from '../../../http/errors.js';

export const PROVIDERS = ['twilio', 'genesys', 'nice', 'five9', 'generic'] as const;

export const createSchema = z.object({
  provider: z.enum(PROVIDERS),
  callId: z.string().trim().min(1).max(128),
  dnis: z.string().trim().max(64).optional(),
  ani: z.string().trim().max(64).optional(),
  locale: z.string().trim().max(16).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  /** Twilio only: where the service redirects the live call on confirmation. */
  redirectUrl: z.url({ protocol: /^https?$/ }).max(2048).optional(),
  /** The account the caller claims (keyed in or said in the IVR): only that customer's devices may confirm. */
  accountRef: z.string().trim().min(1).max(64).optional(),
});

const TWILIO_CALL_SID = /^CA[0-9a-fA-F]{32}$/;

export const waitSchema = z.coerce.number().int().min(0).max(MAX_WAIT_SECONDS);

/**
 * The auth_state a session proves a factor for. A Twilio CallSid is shared with an ElevenLabs call
 * on the same line, so it is used as is; other providers' ids live in their own namespace.
 */
export const ivrCallId = (provider: DidProvider, callId: string) =>
  provider === 'twilio' || provider === 'generic' ? callId : `${provider}:${callId}`;

/** IVR REST (Genesys Architect, NICE CXone Studio, Five9, any webhook IVR): docs/api.md, docs/ivr.md. */
export function ivrRoutes({ s, orchestrate, clientAddress }: RouteContext) {
  /** The session as an IVR sees it; once confirmed, also whom the device proved the caller to be. */
  const view = async (d: DidSession) => {
    const base = sessionView(d, s.clock.now());
    if (d.status !== 'confirmed') return base;
    return { ...base, customerId: (await s.calls.get(d.callId))?.customerId ?? null };
  };
  // Per client (an IVR platform's address) on top of the per-caller limits below.
  const clientAllowed = (c: Context, what: string, limit: number, now: number) =>
    s.rateLimit.take(`ivr:${what}:client:${clientAddress(c)}`, limit, 60_000, now);
  return new Hono()
    .post('/', async (c) => {
      const body = await readBody(c, createSchema);
      if (!body.ok) return invalidRequest(c, body.errors);
      const v = body.value;
      if (v.redirectUrl && v.provider !== 'twilio') {
        return invalidRequest(c, [{ field: 'redirectUrl', message: 'only Twilio calls can be redirected by callgate' }]);
      }
      // Twilio redirects a live call by its CallSid; any other id would be accepted and then never redirected.
      if (v.redirectUrl && !TWILIO_CALL_SID.test(v.callId)) {
        return invalidRequest(c, [{ field: 'callId', message: 'with redirectUrl, callId must be the Twilio CallSid: "CA" followed by 32 hex digits' }]);
      }
      const now = s.clock.now();
      // Per caller and per call: a loop in an IVR flow must not mint sessions without bound.
      if (
        !(await clientAllowed(c, 'create', 600, now)) ||
        !(await s.rateLimit.take(`ivr:create:${v.provider}:${v.callId}`, 10, 60_000, now)) ||
        (v.ani && !(await s.rateLimit.take(`ivr:create-ani:${v.ani}`, 20, 60_000, now)))
      ) {
        return jsonError(c, 429, 'rate_limited');
      }
      const callId = ivrCallId(v.provider, v.callId);
      const { policy, call } = await s.outcome.openCall({
        id: callId,
        source: 'ivr',
        calledNumber: v.dnis ?? null,
        callerId: v.ani ?? null,
        stirVerstat: typeof v.metadata?.stir_verstat === 'string' ? v.metadata.stir_verstat : undefined,
        audit: { provider: v.provider },
        now,
      });
      let claimed = call;
      if (v.accountRef) {
        // Through the identify step, like the agent's: an unknown reference is a failed check on
        // the call and spends the same probe budgets, whoever relays it.
        // The IVR speaks for the call, on whatever conversation an agent may have bound to it.
        const req = { call_id: callId, conversation_id: call.conversationId ?? undefined, action: 'identify', account_ref: v.accountRef };
        const answer = await orchestrate(req);
        if (!answer.success) {
          const status = answer.reason === 'unknown_account' ? 404 : answer.reason === 'rate_limited' ? 429 : 409;
          const reason = answer.reason === 'already_authenticated' ? 'identity_locked' : answer.reason;
          return jsonError(c, status, reason, { field: 'accountRef' });
        }
        claimed = (await s.calls.get(callId)) ?? call;
      }
      const result = await createSession(s, {
        provider: v.provider,
        callRef: v.callId,
        callId,
        customerId: claimed.customerId,
        policy,
        locale: v.locale,
        dnis: v.dnis,
        ani: v.ani,
        metadata: v.metadata,
        redirectUrl: v.redirectUrl,
      });
      if (!result.ok) {
        const status = result.reason === 'did_unavailable' ? 503 : 409;
        return jsonError(c, status, result.reason, result.session ? { session: sessionView(result.session, now) } : {});
      }
      return c.json(await view(result.session), result.created ? 201 : 200);
    })
    .get('/:id', async (c) => {
      const id = c.req.param('id');
      const raw = c.req.query('wait');
      const wait = raw === undefined ? { success: true as const, data: 0 } : waitSchema.safeParse(raw);
      if (!wait.success) return invalidRequest(c, [{ field: 'wait', message: `an integer from 0 to ${MAX_WAIT_SECONDS}` }]);
      const now = s.clock.now();
      if (!(await clientAllowed(c, 'poll', 6_000, now)) || !(await s.rateLimit.take(`ivr:poll:${id}`, 120, 60_000, now))) {
        return jsonError(c, 429, 'rate_limited');
      }
      // A wait of 0 reads the session as it stands.
      const session = await waitForSession(s, id, wait.data, c.req.raw.signal);
      if (!session) return jsonError(c, 404, 'unknown_session');
      return c.json(await view(session));
    })
    .post('/:id/cancel', async (c) => {
      const stored = await s.did.get(c.req.param('id'));
      if (!stored) return jsonError(c, 404, 'unknown_session');
      // Cancelling twice is harmless; a confirmed session stays confirmed.
      return c.json(await view(await cancelSession(s, stored)));
    });
}
