import type { MiddlewareHandler } from 'hono';
import { timingSafeEqual } from '../crypto/compare.js';
import { utf8 } from '../crypto/bytes.js';
import { jsonError } from './errors.js';

async function digest(s: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(s)));
}

/**
 * `Authorization: Bearer <secret>`, compared in constant time over SHA-256 digests (equal length
 * whatever was sent). The expected digest is computed once, not per request.
 */
export function bearer(secret: string, realm: string): MiddlewareHandler {
  const expected = digest(secret);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match || !timingSafeEqual(await digest(match[1]!), await expected)) {
      c.header('WWW-Authenticate', `Bearer realm="${realm}"`);
      return jsonError(c, 401, 'unauthorized');
    }
    await next();
  };
}
