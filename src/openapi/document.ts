import pkg from '../../package.json' with { type: 'json' };
import { agentSchemas } from './answers-agent.js';
import { commonSchemas } from './answers-common.js';
import { opsSchemas } from './answers-ops.js';
import { jsonSchemaOf, type JsonSchema } from './json-schema.js';
import { adminRoutes } from './routes-admin.js';
import { agentRoutes } from './routes-agent.js';
import { didRoutes } from './routes-did.js';
import { pushOpenApiRoutes } from '../factors/push/openapi.js';
import { isBearer, securityOf, securitySchemes } from './security.js';
import type { Answer, RouteSpec } from './table.js';

// Builds the OpenAPI 3.1 document from the route table. Request bodies and query parameters come
// from the zod schemas the routes validate with; answers from answers-*.ts.

export const ROUTES: readonly RouteSpec[] = [...agentRoutes, ...didRoutes, ...pushOpenApiRoutes, ...adminRoutes];

const TAGS = [
  ['Health', 'No credential.'],
  ['ElevenLabs', 'The initiation and post-call webhooks.'],
  ['Pre-auth tool', 'The one tool an unauthenticated conversation may call.'],
  ['Post-auth tools', 'The privileged tools, each call re-checked against the policy.'],
  ['IVR REST', 'Dynamic Identifier sessions for any IVR that can call a web service.'],
  ['Twilio TwiML flow', 'Served only with Twilio credentials; Twilio posts forms and gets TwiML.'],
  ['Phone app', 'No bearer: the enrolled device key’s signature is the credential.'],
  ['Fraud screen', 'Signed screen results.'],
  ['Admin', 'The operator surface.'],
  ['Metrics', 'The Prometheus scrape.'],
] as const;

const DESCRIPTION = [
  'Deterministic caller authentication for voice agents and IVRs. The prose reference, with every reason code, is docs/api.md.',
  '',
  'This document is public (`GET /openapi.json` needs no credential): it describes the routes and holds no secret.',
  '',
  'Request bodies are read as JSON whatever `Content-Type` says (the Twilio routes take forms). Every error body is',
  '`{"success": false, "reason": "<snake_case>", …}`; `invalid_request` carries `errors: [{field, message}]`. Unknown',
  'paths are `404 not_found`. Bodies are limited to 32 KiB (8 MiB for the post-call webhook). Every answer carries',
  '`cache-control: no-store`. The tool bodies are lenient beyond what their schemas say: `null` or a blank string',
  'counts as absent, enum values are trimmed and lower-cased, a string field accepts a non-negative integer.',
].join('\n');

const withReasons = (a: Answer) => (a.reasons?.length ? `${a.description} Reasons: ${a.reasons.map((r) => `\`${r}\``).join(', ')}.` : a.description);

function response(status: number, a: Answer): JsonSchema {
  const schema = a.schema ?? (status >= 400 ? 'Error' : undefined);
  return {
    description: withReasons(a),
    ...(a.reasons?.length ? { 'x-callgate-reasons': [...a.reasons] } : {}),
    ...(schema === undefined
      ? {}
      : { content: { [a.media ?? 'application/json']: { schema: typeof schema === 'string' ? { $ref: `#/components/schemas/${schema}` } : schema } } }),
  };
}

/** The answers every route of a kind shares, merged under the route's own. */
function answersOf(r: RouteSpec): Record<number, Answer> {
  const out: Record<number, Answer> = { ...r.responses };
  if (r.body || r.query?.length) {
    const own = out[400];
    out[400] = own
      ? { ...own, reasons: [...new Set(['invalid_request', ...(own.reasons ?? [])])] }
      : { description: 'A bad field (each one named).', reasons: ['invalid_request'], schema: 'InvalidRequest' };
  }
  if (isBearer(r.auth)) out[401] = { description: 'Missing or wrong bearer (`WWW-Authenticate` names the realm).', reasons: ['unauthorized'] };
  if (r.body) out[413] = { description: 'The body is over the limit.', reasons: ['payload_too_large'] };
  out[500] = { description: 'A bug or an outage, never the client’s input; retry later.', reasons: ['internal_error'] };
  return out;
}

const operationId = (r: RouteSpec) =>
  r.method +
  r.path
    .split(/[/_.-]/)
    .filter(Boolean)
    .map((p) => (p.startsWith('{') ? `By${p[1]!.toUpperCase()}${p.slice(2, -1)}` : p[0]!.toUpperCase() + p.slice(1)))
    .join('');

function operation(r: RouteSpec, bodies: Record<string, JsonSchema>): JsonSchema {
  const pathNames = [...r.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const parameters = [
    ...pathNames.map((name) => {
      const description = r.pathParams?.[name];
      if (!description) throw new Error(`${r.method} ${r.path}: describe path parameter ${name}`);
      return { name, in: 'path', required: true, description, schema: { type: 'string' } };
    }),
    ...(r.query ?? []),
  ];
  let requestBody: JsonSchema | undefined;
  if (r.body) {
    const media = 'zod' in r.body ? 'application/json' : r.body.media;
    const schema = 'zod' in r.body ? jsonSchemaOf(r.body.zod) : r.body.json;
    // A body schema that is a component reference already needs no component of its own.
    if (!('$ref' in schema)) {
      if (bodies[r.body.name] && JSON.stringify(bodies[r.body.name]) !== JSON.stringify(schema)) throw new Error(`two body schemas named ${r.body.name}`);
      bodies[r.body.name] = schema;
    }
    const example = 'zod' in r.body && r.body.example !== undefined ? { examples: { example: { value: r.body.example } } } : {};
    requestBody = {
      required: true,
      ...(r.body.description ? { description: r.body.description } : {}),
      content: { [media]: { schema: '$ref' in schema ? schema : { $ref: `#/components/schemas/${r.body.name}` }, ...example } },
    };
  }
  return {
    operationId: operationId(r),
    tags: [r.tag],
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    security: securityOf(r.auth),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: Object.fromEntries(Object.entries(answersOf(r)).map(([status, a]) => [status, response(Number(status), a)])),
  };
}

export function buildDocument(routes: readonly RouteSpec[] = ROUTES): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const bodies: Record<string, JsonSchema> = {};
  for (const r of routes) {
    const item = (paths[r.path] ??= {});
    if (item[r.method]) throw new Error(`${r.method} ${r.path} is listed twice`);
    item[r.method] = operation(r, bodies);
  }
  return {
    openapi: '3.1.1',
    info: { title: 'callgate', version: pkg.version, description: DESCRIPTION, license: { name: pkg.license, identifier: pkg.license } },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: TAGS.map(([name, description]) => ({ name, description })),
    paths,
    components: { schemas: { ...commonSchemas, ...agentSchemas, ...opsSchemas, ...bodies }, securitySchemes },
  };
}

let cached: string | undefined;

/** The document as JSON text, built on first use (not at import: a Worker's start-up stays short). */
export function openApiJson(): string {
  return (cached ??= JSON.stringify(buildDocument()));
}
