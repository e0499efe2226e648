import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';

export interface FieldError {
  field: string;
  message: string;
}

/** Every error body: `{success: false, reason}` plus whatever helps the client fix it. */
export function jsonError(c: Context, status: ContentfulStatusCode, reason: string, extra: Record<string, unknown> = {}) {
  return c.json({ success: false, reason, ...extra }, status);
}

export function invalidRequest(c: Context, errors: FieldError[]) {
  return jsonError(c, 400, 'invalid_request', { errors });
}

/** zod issues → one entry per bad field, named by its dotted path ("kba.0.answer"). */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({ field: i.path.length ? i.path.join('.') : 'body', message: i.message }));
}
