import { z } from 'zod';

// The lenient field schemas the agent's tool arguments are parsed with: an LLM sends "SMS",
// a member ID as a number, or "" for a field it means to leave out. Factors declare their tool
// fields with these (src/factors/*/index.ts); tools/define.ts builds the tools from them.

/** Error option for a field: a missing value reads "required" instead of zod's type message. */
export const REQUIRED = {
  error: (iss: { input?: unknown }) => (iss.input === undefined ? 'required' : undefined),
};

/** LLMs often send `null` or `""` for a parameter they mean to leave out: treat both as absent. */
export function blankToUndefined(v: unknown): unknown {
  return v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v;
}

/** An optional field that treats `null`/blank as absent. */
export function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess(blankToUndefined, schema.optional());
}

/** Enum values are matched after trimming and lower-casing ("SMS" → "sms"). */
export function lenientEnum<const V extends readonly [string, ...string[]]>(values: V) {
  return z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
    z.enum(values as unknown as { [K in V[number]]: K }, REQUIRED),
  );
}

/** A string that may also arrive as a non-negative JSON integer (a member ID, "last 4", a spoken year). */
export function lenientString<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : v), schema);
}

/** A number that may also arrive as a numeric string ("12.50"). */
export function lenientNumber<T extends z.ZodNumber>(schema: T) {
  return z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v), schema);
}

/** An optional free-text field, trimmed, with a length cap named in the error. */
export const text = (max: number, description: string) =>
  optional(lenientString(z.string().trim().min(1).max(max, `at most ${max} characters`))).describe(description);
