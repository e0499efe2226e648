import type { MiddlewareHandler } from 'hono';
import { utf8 } from '../crypto/bytes.js';
import { timingSafeEqual } from '../crypto/compare.js';
import { jsonError } from './errors.js';

/**
 * `Authorization: Bearer <secret>`, compared in constant time: the loop runs over every byte
 * whatever matches, so timing reveals at most the length of what was sent (Node's own
 * timingSafeEqual refuses unequal lengths outright). The expected bytes are encoded once.
 */
export function bearer(secret: string, realm: string): MiddlewareHandler {
  return bearerAny([secret], realm);
}

/** The same check against several secrets (e.g. the admin token or a scrape-only token). */
export function bearerAny(secrets: string[], realm: string): MiddlewareHandler {
  const expected = secrets.map((s) => utf8(`Bearer ${s}`));
  const challenge = `Bearer realm="${realm}"`;
  return async (c, next) => {
    const header = (c.req.header('authorization') ?? '').trim();
    // The scheme name is case-insensitive (RFC 9110); the token is not.
    const presented = /^bearer\s+/i.test(header) ? `Bearer ${header.replace(/^bearer\s+/i, '')}` : header;
    const bytes = utf8(presented);
    // Every secret is compared (no early exit), so timing does not tell which one matched.
    let ok = false;
    for (const e of expected) ok = timingSafeEqual(bytes, e) || ok;
    if (!ok) {
      c.header('WWW-Authenticate', challenge);
      return jsonError(c, 401, 'unauthorized');
    }
    // `return next()`, not `await next()`: a held long-poll keeps no extra frame per layer.
    return next();
  };
}
