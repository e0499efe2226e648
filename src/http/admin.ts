import { Hono } from 'hono';
import { z } from 'zod';
import { hashAnswer } from '../factors/shared/hash.js';
import { normalizeAccountRef, normalizePhone } from '../factors/shared/normalize.js';
import { enrolTotp } from '../factors/otp/totp.js';
import { authStateView } from '../orchestrator/answer.js';
import { onResolved } from '../factors/did/sessions.js';
import { policyFor, type Services } from '../kernel/index.js';
import { evaluate } from '../policy/index.js';
import type { DevOutbox } from '../providers/otp/index.js';
import { fromBase64Url, toBase64Url, utf8 } from '../crypto/bytes.js';
import type { CallRow, CallStatus } from '../store/schema/calls.js';
import type { CustomerView } from '../store/customers.js';
import { ERASED_EVENT } from '../store/erasure.js';
import { readBody } from './body.js';
import { fieldErrors, invalidRequest, jsonError } from './errors.js';

const slug = z.string().trim().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (1–64)');
const phone = z
  .string()
  .transform(normalizePhone)
  .pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 phone number like +14155550123'));
const accountRef = z
  .string()
  .transform(normalizeAccountRef)
  .pipe(z.string().min(3, 'at least 3 letters or digits').max(34));

export const customerSchema = z
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

export const CALL_STATUSES = ['pending', 'authenticated', 'blocked', 'handed_off', 'ended'] as const satisfies readonly CallStatus[];
const MAX_PAGE = 100;

// The cursor is the last row's sort key, opaque to clients: base64url of JSON [created_at, id].
const encodeCursor = (call: CallRow) => toBase64Url(utf8(JSON.stringify([call.createdAt, call.id])));
function decodeCursor(raw: string): { createdAt: number; id: string } | undefined {
  const bytes = fromBase64Url(raw);
  if (!bytes) return undefined;
  try {
    const v: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string') return { createdAt: v[0], id: v[1] };
  } catch {
    // not ours
  }
  return undefined;
}

export const callListQuery = z.strictObject({
  status: z.enum(CALL_STATUSES, { error: `one of ${CALL_STATUSES.join(', ')}` }).optional(),
  // ISO 8601 with a zone (Z or ±hh:mm): a bare local time would mean different instants to different operators.
  since: z.iso
    .datetime({ offset: true, error: 'an ISO 8601 time with a zone, like 2026-11-23T09:00:00Z', abort: true })
    // The format check lets 2026-02-31 through (Date.parse rolls it over to March).
    .refine((v) => {
      const [y, m, d] = v.slice(0, 10).split('-').map(Number) as [number, number, number];
      return new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d && Number.isFinite(Date.parse(v));
    }, 'not a date on the calendar')
    .transform((v) => Date.parse(v))
    .optional(),
  customer: slug.optional(),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, `an integer 1–${MAX_PAGE}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_PAGE, `an integer 1–${MAX_PAGE}`)
    .optional(),
  cursor: z
    .string()
    .max(400)
    .transform((v, ctx) => {
      const c = decodeCursor(v);
      if (!c) ctx.addIssue({ code: 'custom', message: 'not a cursor this service gave out (use next_cursor as is)' });
      return c!;
    })
    .optional(),
});

export const customerQuery = z.strictObject({ account_ref: accountRef.optional(), phone: phone.optional() });

/** Exactly one of the two: a lookup by both would have to say which one won. */
function oneKey(q: { account_ref?: string | undefined; phone?: string | undefined }) {
  const given = (q.account_ref !== undefined ? 1 : 0) + (q.phone !== undefined ? 1 : 0);
  if (given === 1) return [];
  const message = given === 0 ? 'give account_ref or phone' : 'give account_ref or phone, not both';
  return ['account_ref', 'phone'].map((field) => ({ field, message }));
}

/** Query errors by parameter name; an unknown parameter is named too, not reported as "body". */
function queryErrors(error: z.ZodError) {
  return error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys' ? i.keys.map((k) => ({ field: k, message: 'unknown parameter' })) : fieldErrors(new z.ZodError([i])),
  );
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A call in a list: its state and timings, never its caller's number. */
function callSummary(call: CallRow) {
  return {
    call_id: call.id,
    status: call.status,
    source: call.source,
    created_at: iso(call.createdAt),
    updated_at: iso(call.updatedAt),
    authenticated_at: iso(call.authenticatedAt),
    ended_at: iso(call.endedAt),
    policy: { id: call.policyId, version: call.policyVersion },
    risk_signals: call.signals,
    successes: Object.fromEntries(Object.entries(call.successes).map(([f, at]) => [f, iso(at)])),
    failures: call.failures,
    customer_id: call.customerId,
    identified_by: call.identifiedBy,
  };
}

function customerAnswer(v: CustomerView) {
  return {
    customer_id: v.customerId,
    display_name: v.displayName,
    email: v.email,
    phones: v.phones,
    account_refs: v.accountRefs,
    created_at: iso(v.createdAt),
    enrolled: {
      kba: v.kba,
      totp: v.totp,
      devices: v.devices.map((d) => ({ device_id: d.id, created_at: iso(d.createdAt) })),
    },
  };
}

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
    .get('/calls', async (c) => {
      const q = callListQuery.safeParse(c.req.query());
      if (!q.success) return invalidRequest(c, queryErrors(q.error));
      const limit = q.data.limit ?? 50;
      // One row more than the page tells whether another page exists.
      const rows = await s.calls.list({
        status: q.data.status,
        since: q.data.since,
        customerId: q.data.customer,
        after: q.data.cursor,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      return c.json({
        calls: page.map(callSummary),
        next_cursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null,
      });
    })
    .get('/customers', async (c) => {
      const q = customerQuery.safeParse(c.req.query());
      if (!q.success) return invalidRequest(c, queryErrors(q.error));
      const missing = oneKey(q.data);
      if (missing.length) return invalidRequest(c, missing);
      const ids = q.data.account_ref
        ? [await s.customers.idByAccountRef(q.data.account_ref)].filter((id): id is string => id !== undefined)
        : await s.customers.idsByPhone(q.data.phone!);
      const views = (await Promise.all(ids.map((id) => s.customers.view(id)))).filter((v): v is CustomerView => v !== undefined);
      return c.json({ customers: views.map(customerAnswer) });
    })
    .delete('/customers/:id', async (c) => {
      const customerId = c.req.param('id');
      const now = s.clock.now();
      // Read first, so whoever long-polls these sessions learns at once that the unit canceled them.
      const waiting = await s.did.pendingForCustomer(customerId);
      const result = await s.customers.erase(customerId, now);
      if (!result) return jsonError(c, 404, 'unknown_customer');
      if (!result.first) return c.json({ customer_id: customerId, status: 'already_erased' });
      // The event itself was written inside the erasure's unit; this is its log line.
      s.audit.announce(null, ERASED_EVENT, result.event);
      for (const { session } of waiting) {
        const after = await s.did.get(session.id);
        if (after?.status === 'canceled' && after.resolvedAt === now) await onResolved(s, after, 'canceled', now, { reason: 'customer_erased' });
      }
      return c.json({ customer_id: customerId, status: 'erased', removed: result.erased });
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
