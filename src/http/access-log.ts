import type { Context } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from '../kernel/ports.js';

// One `http_request` line per request (docs/operations.md#access-log): what was asked of which
// route and how it went. Never a body, a header or a query string: those carry codes and tokens.

declare module 'hono' {
  interface ContextVariableMap {
    /** The call a request is about, once its body has been parsed (set by readJson). */
    callId: string;
  }
}

const CALL_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Remembers the call a parsed body names, for the access log (only a well-formed id). */
export function noteCallId(c: Context, body: Record<string, unknown>): void {
  const id = body.call_id ?? body.callId;
  if (typeof id === 'string' && CALL_ID.test(id)) c.set('callId', id);
}

/** `res`: the response sent (a middleware that refuses returns it without setting c.res). */
export function logRequest(logger: Logger, c: Context, startedAt: number, res: Response): void {
  // The pattern of the last route matched (`/admin/calls/:id`), not the path with its ids.
  const route = routePath(c, -1);
  const param = route.endsWith('/calls/:id') ? c.req.param('id') : undefined;
  const callId = c.get('callId') ?? (param && CALL_ID.test(param) ? param : undefined);
  logger.info('http_request', {
    method: c.req.method,
    route,
    status: res.status,
    duration_ms: Math.round((performance.now() - startedAt) * 10) / 10,
    ...(callId ? { call_id: callId } : {}),
  });
}
