import type { Context } from 'hono';
import type { z } from 'zod';
import { noteCallId } from './access-log.js';
import { fieldErrors, type FieldError } from './errors.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Reads the body as JSON whatever the Content-Type claims; a malformed body is a named error, not a 500. */
export async function readJson(c: Context): Promise<Parsed<unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') return { ok: false, errors: [{ field: 'body', message: 'a JSON object body is required' }] };
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { ok: false, errors: [{ field: 'body', message: 'must be a JSON object' }] };
    }
    noteCallId(c, value as Record<string, unknown>);
    return { ok: true, value };
  } catch {
    return { ok: false, errors: [{ field: 'body', message: 'malformed JSON' }] };
  }
}

export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<Parsed<z.output<S>>> {
  const json = await readJson(c);
  if (!json.ok) return json;
  const result = schema.safeParse(json.value);
  return result.success ? { ok: true, value: result.data } : { ok: false, errors: fieldErrors(result.error) };
}
