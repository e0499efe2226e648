import { z } from 'zod';

// The request schemas in the document are generated from the very zod objects the routes validate
// with, so the two cannot disagree. `io: 'input'` describes what a client sends (before defaults
// and transforms); draft 2020-12 is the dialect OpenAPI 3.1 uses natively.

export type JsonSchema = { [key: string]: unknown };

/** A zod schema as JSON Schema 2020-12, input side, without the `$schema` line (the document sets the dialect). */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' }) as JsonSchema;
  return json;
}

export interface QueryParameter {
  name: string;
  in: 'query';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

/** A z.object of query parameters → one OpenAPI parameter per property. */
export function queryParametersOf(schema: z.ZodType, descriptions: Record<string, string> = {}): QueryParameter[] {
  const json = jsonSchemaOf(schema) as { type?: string; properties?: Record<string, JsonSchema>; required?: string[] };
  if (json.type !== 'object' || !json.properties) throw new Error('query parameters must be a z.object');
  return Object.entries(json.properties).map(([name, prop]) => ({
    name,
    in: 'query',
    required: (json.required ?? []).includes(name),
    ...(descriptions[name] ? { description: descriptions[name] } : {}),
    schema: prop,
  }));
}
