import { Hono } from 'hono';
import { z } from 'zod';
import { readBody } from '../../../http/body.js';
import { invalidRequest, jsonError } from '../../../http/errors.js';
import type { Services } from '../../../kernel/index.js';

// How an operator enrols a device for the DID (and removes one): under /admin, behind the admin
// bearer. The phone app generates the key pair; only the public key is ever sent here.

const slug = z.string().trim().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (1–64)');

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

export const deviceSchema = z.strictObject({ device_id: slug, public_key_jwk: p256Jwk });

/** POST /admin/customers/{id}/devices and DELETE /admin/customers/{id}/devices/{device_id}. */
export function deviceRoutes(s: Services) {
  return new Hono()
    .post('/:id/devices', async (c) => {
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
    .delete('/:id/devices/:deviceId', async (c) => {
      const customerId = c.req.param('id');
      const deviceId = c.req.param('deviceId');
      if (!(await s.customers.removeDevice(customerId, deviceId))) return jsonError(c, 404, 'unknown_device');
      await s.audit.record(null, 'device_removed', s.clock.now(), { customer_id: customerId, device_id: deviceId });
      return c.json({ customer_id: customerId, device_id: deviceId, status: 'removed' });
    });
}
