import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { FieldError } from '../../tools/define.js';

// One zod → `{field, message}` mapping for tool calls and every other route: the tool specs own it.
export { toFieldErrors as fieldErrors, type FieldError } from '../../tools/define.js';

/** Every error body: `{success: false, reason}` plus whatever helps the client fix it. */
export function jsonError(c: Context, status: ContentfulStatusCode, reason: string, extra: Record<string, unknown> = {}) {
  return c.json({ success: false, reason, ...extra }, status);
}

export function invalidRequest(c: Context, errors: FieldError[]) {
  return jsonError(c, 400, 'invalid_request', { errors });
}
