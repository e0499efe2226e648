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
