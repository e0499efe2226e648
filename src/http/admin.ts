import { Hono } from 'hono';
import { z } from 'zod';
import { hashAnswer } from '../factors/hash.js';
import { normalizeAccountRef, normalizePhone } from '../factors/normalize.js';
import { enrolTotp } from '../factors/totp.js';
import { authStateView } from '../orchestrator/answer.js';
import { policyFor, type Services } from '../orchestrator/services.js';
import { evaluate } from '../policy/index.js';
import type { DevOutbox } from '../providers/otp/index.js';
import { readBody } from './body.js';
import { invalidRequest, jsonError } from './errors.js';

const slug = z.string().trim().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (1–64)');
const phone = z
  .string()
  .transform(normalizePhone)
  .pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 phone number like +14155550123'));
const accountRef = z
  .string()
  .transform(normalizeAccountRef)
  .pipe(z.string().min(3, 'at least 3 letters or digits').max(34));

const customerSchema = z
  .strictObject({
    customer_id: slug,
    display_name: z.string().trim().min(1).max(120).optional(),
    phones: z.array(phone).max(5).default([]),
    email: z.email().max(254).optional(),
    account_refs: z.array(accountRef).min(1).max(10),
    kba: z
      .array(
        z.strictObject({
          id: slug,
          level: z.enum(['basic', 'advanced']),
          question: z.string().trim().min(3).max(300),
          answer: z.string().min(1).max(200).refine((a) => /[\p{L}\p{N}]/u.test(a), 'must contain a letter or digit'),
        }),
      )
      .max(20)
      .default([]),
    totp: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    c.kba.forEach((k, i) => {
      if (ids.has(k.id)) ctx.addIssue({ code: 'custom', path: ['kba', i, 'id'], message: 'duplicate question id' });
      ids.add(k.id);
    });
  });

// Loose so that a private key's "d" is seen and refused rather than silently stripped: an
// operator who pasted a private key must learn it has leaked, not that enrolment worked.
const p256Jwk = z
  .looseObject({
    kty: z.literal('EC'),
    crv: z.literal('P-256'),
    x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    y: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  })
  .refine((k) => !('d' in k), { message: 'must be a public key (no "d")' })
  .transform(({ kty, crv, x, y }) => ({ kty, crv, x, y }));

const deviceSchema = z.strictObject({ device_id: slug, public_key_jwk: p256Jwk });

/** Operator surface (bearer CALLGATE_ADMIN_TOKEN). `outbox` is passed only in development. */
export function adminRoutes(s: Services, outbox?: DevOutbox) {
  const app = new Hono()
    .post('/customers', async (c) => {
      const body = await readBody(c, customerSchema);
      if (!body.ok) return invalidRequest(c, body.errors);
      const v = body.value;
      for (const [i, ref] of v.account_refs.entries()) {
        const owner = await s.customers.idByAccountRef(ref);
        if (owner && owner !== v.customer_id) return jsonError(c, 409, 'account_ref_taken', { field: `account_refs.${i}` });
      }
      const now = s.clock.now();
      const totp = v.totp ? await enrolTotp(s.keys, v.customer_id, v.display_name ?? v.customer_id) : null;
      const created = await s.customers.create({
        id: v.customer_id,
        displayName: v.display_name ?? null,
        email: v.email ?? null,
        phones: v.phones,
        accountRefs: [...new Set(v.account_refs)],
        kba: await Promise.all(
          v.kba.map(async (k) => ({
            id: k.id,
            level: k.level,
            question: k.question,
            answerHash: await hashAnswer(s.keys, v.customer_id, k.id, k.answer),
          })),
        ),
        totpSealed: totp?.sealed ?? null,
        now,
      });
      if (created === 'exists') return jsonError(c, 409, 'customer_exists');
      await s.audit.record(null, 'customer_enrolled', now, {
        customer_id: v.customer_id,
        phones: v.phones.length,
        kba: v.kba.length,
        totp: v.totp,
      });
      // The otpauth URI is shown exactly once, here; only the sealed seed is stored.
      return c.json({ customer_id: v.customer_id, ...(totp ? { totp_uri: totp.uri } : {}) }, 201);
    })
    .post('/customers/:id/devices', async (c) => {
      const customerId = c.req.param('id');
      const body = await readBody(c, deviceSchema);
      if (!body.ok) return invalidRequest(c, body.errors);
      if (!(await s.customers.get(customerId))) return jsonError(c, 404, 'unknown_customer');
      const jwk = body.value.public_key_jwk;
      try {
        await crypto.subtle.importKey('jwk', { ...jwk, ext: true }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
      } catch {
        return invalidRequest(c, [{ field: 'public_key_jwk', message: 'not a valid P-256 public key' }]);
      }
      const now = s.clock.now();
      const outcome = await s.customers.addDevice({ id: body.value.device_id, customerId, publicKeyJwk: jwk, now });
      if (outcome === 'conflict') return jsonError(c, 409, 'device_exists');
      if (outcome === 'created') await s.audit.record(null, 'device_enrolled', now, { customer_id: customerId, device_id: body.value.device_id });
      return c.json({ device_id: body.value.device_id, customer_id: customerId }, outcome === 'created' ? 201 : 200);
    })
    .get('/calls/:id', async (c) => {
      const call = await s.calls.get(c.req.param('id'));
      if (!call) return jsonError(c, 404, 'unknown_call');
      const decision = evaluate(policyFor(s, call), call.signals, call.successes, { now: s.clock.now() });
      const events = await s.events.forCall(call.id);
      return c.json({
        auth_state: {
          ...authStateView(call, decision),
          customer_id: call.customerId,
          identified_by: call.identifiedBy,
          conversation_id: call.conversationId,
          source: call.source,
          failures: call.failures,
          handoff: call.handoff,
          decision: { outcome: decision.outcome, allowed: decision.allowed, counted: decision.counted, reasons: decision.reasons },
          created_at: new Date(call.createdAt).toISOString(),
          updated_at: new Date(call.updatedAt).toISOString(),
        },
        events: events.map((e) => ({ type: e.type, at: new Date(e.at).toISOString(), ...e.data })),
      });
    });
  if (outbox) app.get('/outbox', (c) => c.json({ messages: outbox.list() }));
  return app;
}
