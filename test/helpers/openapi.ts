import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { JsonSchema } from '../../src/openapi/json-schema.js';

// JSON Schema checks over the OpenAPI document: every component schema compiled in strict mode
// (an unknown keyword or a typo fails), and validators for operations' bodies and answers.

type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, JsonSchema> } };

const COMPONENTS = '#/components/schemas/';

/** The schema with its component references pointed at a `$defs` holding every component. */
function rebase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rebase);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith(COMPONENTS) ? `#/$defs/${v.slice(COMPONENTS.length)}` : rebase(v)]),
    );
  }
  return value;
}

export function openApiSchemas(doc: Doc) {
  const ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true, validateFormats: false });
  const defs = rebase(doc.components.schemas) as Record<string, JsonSchema>;
  const compile = (schema: JsonSchema): ValidateFunction => ajv.compile({ ...(rebase(schema) as JsonSchema), $defs: defs });
  return {
    compile,
    /** The validator of an operation's answer for a status and media type; undefined when the document has none. */
    answer(path: string, method: string, status: number, media = 'application/json'): ValidateFunction | undefined {
      const schema = doc.paths[path]?.[method]?.responses?.[status]?.content?.[media]?.schema as JsonSchema | undefined;
      return schema && compile(schema);
    },
  };
}

export const errorsOf = (v: ValidateFunction) => JSON.stringify(v.errors);

const segments = (path: string) => path.split('/').filter(Boolean);
const isParam = (s: string) => s.startsWith(':') || /^\{[^}]+\}$/.test(s);

/**
 * Whether a route pattern (Hono's `/ivr/sessions/:id`, a trailing `*`, or a heading's
 * `/tools/post/{tool}`) covers an operation path of the document. A parameter in the pattern
 * matches any segment; a parameter in the operation path only a parameter.
 */
export function covers(pattern: string, path: string): boolean {
  const a = segments(pattern);
  const b = segments(path);
  const wild = a.at(-1) === '*';
  const fixed = wild ? a.slice(0, -1) : a;
  if (wild ? b.length < fixed.length : b.length !== fixed.length) return false;
  return fixed.every((s, i) => s === b[i] || isParam(s));
}

export interface Operation {
  method: string;
  path: string;
}

/** Every operation of the document, method lower-cased. */
export function operationsOf(doc: { paths: Record<string, Record<string, unknown>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => ({ method, path })));
}
