import type { z } from 'zod';
import type { JsonSchema, QueryParameter } from './json-schema.js';

// The shape of the route table the document is built from: one entry per method and path.

/** Who may call a route; each maps onto a security scheme of the document (or none). */
export type Auth = 'none' | 'device' | 'tool' | 'ivr' | 'admin' | 'metrics' | 'elevenlabs' | 'voxeq' | 'twilio';

export interface Answer {
  description: string;
  /** The `reason` codes a body of this status can carry (listed in the description and as `x-callgate-reasons`). */
  reasons?: readonly string[];
  /** A component schema name, or an inline schema. Default: `Error` for 4xx/5xx. */
  schema?: string | JsonSchema;
  /** Default JSON. */
  media?: 'application/json' | 'text/xml' | 'text/plain';
}

export type Body =
  /** Validated by the route with exactly this zod schema. */
  | { name: string; zod: z.ZodType; example?: unknown; description?: string }
  /** Checked by hand in the route (no zod schema exists): described here. */
  | { name: string; json: JsonSchema; media: 'application/json' | 'application/x-www-form-urlencoded'; description?: string };

export interface RouteSpec {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI form: `/ivr/sessions/{sessionId}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  auth: Auth;
  body?: Body;
  query?: QueryParameter[];
  /** A description for each `{param}` in the path. */
  pathParams?: Record<string, string>;
  responses: Record<number, Answer>;
}

export const json = (schema: string | JsonSchema, description: string, reasons?: readonly string[]): Answer => ({
  description,
  schema,
  ...(reasons ? { reasons } : {}),
});

export const refusal = (description: string, reasons: readonly string[], schema: string = 'Error'): Answer => ({ description, reasons, schema });
