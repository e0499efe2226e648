import { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../../../kernel/index.js';
import { readBody } from '../../../http/body.js';
import { fieldErrors } from '../../../http/errors.js';
import { invalidRequest } from '../../../http/errors.js';
import { MAX_PULL_SECONDS, pending } from '../pull.js';
import { register, subscriptionKeysValid } from '../register.js';
import { DEVICE_TOKEN_RE } from '../delivery/apns.js';
import { FCM_TOKEN_RE } from '../delivery/fcm.js';
import { approve, deny } from '../respond.js';

const id = z.string().trim().min(1).max(128);
const b64url = (what: string) => z.string().regex(/^[A-Za-z0-9_-]{8,200}={0,2}$/, what);
const signature = b64url('base64url IEEE P1363 ECDSA P-256 signature');
const nonce = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'the nonce the challenge came with');
const timestamp = z.coerce.number().int().positive('Unix time in milliseconds');

export const registerSchema = z
  .object({
    device_id: id,
    transport: z.enum(['pull', 'webpush', 'fcm', 'apns']),
    address: z.string().trim().min(1).max(2048).optional(),
    p256dh: b64url('the subscription key p256dh, base64url').optional(),
    auth: b64url('the subscription secret auth, base64url').optional(),
    timestamp,
    signature,
  })
  .superRefine((r, ctx) => {
    const need = (field: 'address' | 'p256dh' | 'auth', message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    if (r.transport !== 'pull' && !r.address) need('address', `required for transport ${r.transport}`);
    if (r.transport === 'pull' && (r.address || r.p256dh || r.auth)) need('address', 'transport pull takes no address or keys');
    if (r.transport === 'webpush') {
      if (r.address && !/^https?:\/\/[^\s/]+\/\S*$/.test(r.address)) need('address', 'the subscription endpoint URL');
      if (!r.p256dh || !r.auth) need(r.p256dh ? 'auth' : 'p256dh', 'required for transport webpush');
      else if (!subscriptionKeysValid(r.p256dh, r.auth)) need('p256dh', 'p256dh: a 65-byte uncompressed P-256 point; auth: 16 bytes (base64url)');
    } else if (r.p256dh || r.auth) need('p256dh', 'only transport webpush takes p256dh and auth');
    if (r.transport === 'fcm' && r.address && !FCM_TOKEN_RE.test(r.address)) need('address', 'the FCM registration token (32–2048 letters, digits, _ - : .)');
    if (r.transport === 'apns' && r.address && !DEVICE_TOKEN_RE.test(r.address)) need('address', 'the APNs device token in hex (64–200 hex digits)');
  });

export const pendingQuery = z.object({
  device_id: id,
  timestamp,
  signature,
  wait: z.coerce.number().int().min(0).max(MAX_PULL_SECONDS).default(0),
});

const answerFields = { challenge_id: id, device_id: id, nonce, signature };
export const approveSchema = z.object({ ...answerFields, number: z.string().trim().regex(/^\d{2}$/, 'the two digits the device chose') });
export const denySchema = z.object(answerFields);

/** The phone app's push routes (docs/push.md). No bearer: the device's signature is the credential. */
export function pushAppRoutes(s: Services) {
  return new Hono()
    .post('/register', async (c) => {
      const body = await readBody(c, registerSchema);
      if (!body.ok) return invalidRequest(c, body.errors);
      const v = body.value;
      const answer = await register(s, { deviceId: v.device_id, transport: v.transport, address: v.address, p256dh: v.p256dh, auth: v.auth, timestamp: v.timestamp, signature: v.signature });
      return c.json(answer.body, answer.status);
    })
    .get('/pending', async (c) => {
      const q = pendingQuery.safeParse(c.req.query());
      if (!q.success) return invalidRequest(c, fieldErrors(q.error));
      const v = q.data;
      const answer = await pending(s, { deviceId: v.device_id, timestamp: v.timestamp, signature: v.signature, waitSeconds: v.wait }, c.req.raw.signal);
      return c.json(answer.body, answer.status);
    })
    .post('/approve', async (c) => {
      const body = await readBody(c, approveSchema);
      if (!body.ok) return invalidRequest(c, body.errors);
      const v = body.value;
      const answer = await approve(s, { challengeId: v.challenge_id, deviceId: v.device_id, nonce: v.nonce, signature: v.signature, number: v.number });
      return c.json(answer.body, answer.status);
    })
    .post('/deny', async (c) => {
      const body = await readBody(c, denySchema);
      if (!body.ok) return invalidRequest(c, body.errors);
      const v = body.value;
      const answer = await deny(s, { challengeId: v.challenge_id, deviceId: v.device_id, nonce: v.nonce, signature: v.signature });
      return c.json(answer.body, answer.status);
    });
}
