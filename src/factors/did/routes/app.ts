import { Hono } from 'hono';
import { z } from 'zod';
import { challenge, confirm } from '../confirm.js';
import type { Services } from '../../../kernel/index.js';
import { readBody } from '../../../http/body.js';
import { invalidRequest } from '../../../http/errors.js';

const id = z.string().trim().min(1).max(128);
export const challengeSchema = z.object({ device_id: id, did: z.string().trim().regex(/^\d{6}$/, 'six digits') });
export const confirmSchema = z.object({
  session_id: id,
  device_id: id,
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'the nonce from /app/challenge'),
  // Any length: a wrongly encoded signature (DER) gets its own answer from confirm, nonce kept.
  signature: z.string().regex(/^[A-Za-z0-9_-]{8,200}={0,2}$/, 'base64url IEEE P1363 ECDSA P-256 signature'),
});

/** The phone app (docs/api.md). No bearer: the device's signature is the credential. */
export function appRoutes(s: Services) {
  return new Hono()
    .post('/challenge', async (c) => {
      const body = await readBody(c, challengeSchema);
      if (!body.ok) return invalidRequest(c, body.errors);
      const answer = await challenge(s, body.value.device_id, body.value.did);
      return c.json(answer.body, answer.status);
    })
    .post('/confirm', async (c) => {
      const body = await readBody(c, confirmSchema);
      if (!body.ok) return invalidRequest(c, body.errors);
      const v = body.value;
      const answer = await confirm(s, { sessionId: v.session_id, deviceId: v.device_id, nonce: v.nonce, signature: v.signature });
      return c.json(answer.body, answer.status);
    });
}
