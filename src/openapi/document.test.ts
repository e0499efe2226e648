import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileErrors, validate } from '@readme/openapi-parser';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { openApiSchemas, errorsOf } from '../../test/helpers/openapi.js';
import { buildDocument, openApiJson, ROUTES } from './document.js';
import type { JsonSchema } from './json-schema.js';

const here = dirname(fileURLToPath(import.meta.url));
const doc = buildDocument() as any;

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const result = await validate(structuredClone(doc));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it.each([
    ['an answer without a description', (d: any) => delete d.paths['/healthz'].get.responses[200].description],
    ['a parameter in the body', (d: any) => (d.paths['/admin/calls'].get.parameters[0].in = 'body')],
    ['a path without its leading slash', (d: any) => (d.paths['healthz'] = d.paths['/healthz'])],
    ['an undeclared path parameter', (d: any) => delete d.paths['/admin/calls/{callId}'].get.parameters],
  ])('the validator is not a rubber stamp: %s fails', async (_, breakIt) => {
    const broken = structuredClone(doc);
    breakIt(broken);
    expect((await validate(broken)).valid).toBe(false);
  });

  it('every schema in it compiles as strict JSON Schema 2020-12 (no unknown keyword, no dangling $ref)', () => {
    const { compile } = openApiSchemas(doc);
    for (const [name, schema] of Object.entries(doc.components.schemas as Record<string, JsonSchema>)) {
      expect(() => compile(schema), name).not.toThrow();
    }
    expect(() => compile({ type: 'object', requried: ['x'] })).toThrow(/unknown keyword/);
    expect(() => compile({ $ref: '#/components/schemas/Nowhere' })).toThrow();
  });

  it('carries the version and licence of package.json', () => {
    const pkg = JSON.parse(readFileSync(join(here, '../../package.json'), 'utf8')) as { version: string; license: string };
    expect(doc.info.version).toBe(pkg.version);
    expect(doc.info.license.identifier).toBe(pkg.license);
  });

  it('request bodies are the zod schemas the routes validate with: the action enum of auth_orchestrator included', () => {
    const body = doc.components.schemas.AuthOrchestratorRequest;
    expect(body.properties.action.enum).toEqual(expect.arrayContaining(['status', 'identify', 'otp_send', 'did_wait', 'handoff']));
    expect(body.required).toEqual(['call_id', 'conversation_id', 'action']);
    // admin enrolment refuses unknown fields, the tools ignore them
    expect(doc.components.schemas.CustomerEnrolment.additionalProperties).toBe(false);
    expect(body.additionalProperties).toBeUndefined();
  });

  it('every request example passes the zod schema its route validates with, and the JSON Schema of the document', () => {
    const { compile } = openApiSchemas(doc);
    let checked = 0;
    for (const r of ROUTES) {
      if (!r.body || !('zod' in r.body)) continue;
      expect(r.body.example, `${r.method} ${r.path} has an example`).toBeDefined();
      const parsed = r.body.zod.safeParse(r.body.example);
      expect(parsed.success, `${r.method} ${r.path}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      const media = doc.paths[r.path][r.method].requestBody.content['application/json'];
      expect(media.examples.example.value).toEqual(r.body.example);
      const v = compile(media.schema);
      expect(v(r.body.example), `${r.path}: ${errorsOf(v)}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(11);
  });

  it('an example the route would refuse is refused by the same zod schema (the check can fail)', () => {
    const route = ROUTES.find((r) => r.path === '/tools/auth_orchestrator')!;
    if (!route.body || !('zod' in route.body)) throw new Error('no zod body');
    expect(route.body.zod.safeParse({ call_id: 'CA1', conversation_id: 'c', action: 'identify' }).success).toBe(false);
  });

  it('every error answer documents its reasons, and every bearer route its 401', () => {
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, answer] of Object.entries(op.responses as Record<string, any>)) {
          if (Number(status) >= 400) expect(answer['x-callgate-reasons']?.length, `${method} ${path} ${status}`).toBeGreaterThan(0);
        }
        const bearer = op.security.some((s: Record<string, unknown>) => Object.keys(s).some((k) => k.endsWith('Bearer')));
        expect(Boolean(op.responses[401]?.['x-callgate-reasons']?.includes('unauthorized')), `${method} ${path}`).toBe(bearer);
      }
    }
  });

  it('is built once and cached', () => {
    expect(openApiJson()).toBe(openApiJson());
    expect(JSON.parse(openApiJson())).toEqual(doc);
  });

  it('holds no Node-only import: it bundles for a browser-like platform (Cloudflare Workers)', async () => {
    const files = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    for (const f of files) expect(readFileSync(join(here, f), 'utf8'), f).not.toMatch(/from\s+['"](node:|better-sqlite3|@hono\/node-server)/);
    const out = await build({ entryPoints: [join(here, 'route.ts')], bundle: true, write: false, platform: 'browser', format: 'esm', metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs.some((i) => i.endsWith('src/openapi/document.ts'))).toBe(true);
    expect(inputs.filter((i) => /^node:|better-sqlite3|node-server/.test(i))).toEqual([]);
  });
});
