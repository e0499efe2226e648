import { inspectRoutes } from 'hono/dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postAuthTools } from '../tools/post-auth/index.js';
import { buildDocument } from '../src/openapi/document.js';
import type { TwilioCallRedirector } from '../src/providers/twilio/calls.js';
import { makeTestApp, SECRETS, type TestApp } from './helpers/app.js';
import { covers, errorsOf, openApiSchemas, operationsOf, type Operation } from './helpers/openapi.js';

// The document against the app itself: the same routes, both ways, and each one answering over
// HTTP with a status and a body the document lists.

const doc = buildDocument() as any;
const ops = operationsOf(doc);
const schemas = openApiSchemas(doc);
const noRedirects: TwilioCallRedirector = {
  redirect: () => Promise.reject(new Error('no call is redirected in this test')),
};

// The operator console (/console) is HTML for people, signed in with a cookie: not the JSON API
// the document describes (docs/console.md describes it).
const routesOf = (t: TestApp) => inspectRoutes(t.app).filter((r) => !r.isMiddleware && !r.path.startsWith('/console'));
const sameMethod = (route: { method: string }, op: Operation) => route.method === 'ALL' || route.method.toLowerCase() === op.method;

let full: TestApp;
let bare: TestApp;
beforeAll(async () => {
  full = await makeTestApp({ twilio: { authToken: 'twilio-token', redirector: noRedirects }, screen: { webhookSecret: 'voxeq-secret-0123456789abcdef0123' } });
  bare = await makeTestApp();
});
afterAll(() => {
  full.close();
  bare.close();
});

describe('GET /openapi.json', () => {
  it('answers the document without a credential, and nothing secret in it', async () => {
    const res = await full.app.request('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual(doc);
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(text).not.toContain('twilio-token');
  });
});

describe('the document and the app list the same routes', () => {
  it.each([
    ['with Twilio and the dev outbox configured', () => full],
    ['without Twilio (the /ivr/twilio/* fallback)', () => bare],
  ])('every route the app serves is in the document (%s)', (_, app) => {
    const routes = routesOf(app());
    expect(routes.length).toBeGreaterThan(20);
    for (const r of routes) {
      expect(ops.some((op) => sameMethod(r, op) && covers(r.path, op.path)), `${r.method} ${r.path} is not in the document`).toBe(true);
    }
  });

  it('every operation of the document is a route of the app', () => {
    const routes = routesOf(full);
    for (const op of ops) {
      expect(routes.some((r) => sameMethod(r, op) && covers(r.path, op.path)), `${op.method} ${op.path} is not served`).toBe(true);
    }
  });

  it('the post-auth tools are exactly the registered ones', () => {
    const listed = ops.filter((op) => op.path.startsWith('/tools/post/')).map((op) => op.path.slice('/tools/post/'.length));
    expect(listed.sort()).toEqual(Object.keys(postAuthTools).sort());
  });

  it('the coverage check can fail: a route the document lacks is found', () => {
    const extra = { method: 'GET', path: '/admin/secrets/:id' };
    expect(ops.some((op) => sameMethod(extra, op) && covers(extra.path, op.path))).toBe(false);
  });
});

const CREDENTIAL: Record<string, string | undefined> = { toolBearer: SECRETS.tool, ivrBearer: SECRETS.ivr, adminBearer: SECRETS.admin };

describe('every operation answers over HTTP as documented', () => {
  it.each(ops.map((op) => [op.method.toUpperCase(), op.path, op] as const))('%s %s', async (_, __, op) => {
    const operation = doc.paths[op.path][op.method];
    const scheme = Object.keys(operation.security[0] ?? {})[0];
    const token = scheme ? CREDENTIAL[scheme] : undefined;
    const path = op.path.replace(/\{[^}]+\}/g, 'nobody');
    const res = await full.app.request(path, {
      method: op.method.toUpperCase(),
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(op.method === 'post' ? { body: '{}' } : {}),
    });
    const media = (res.headers.get('content-type') ?? '').split(';')[0]!;
    const text = await res.text();
    // Served by the route itself, not the not-found handler
    if (media === 'application/json') expect(['not_found', 'unknown_tool'], text).not.toContain(JSON.parse(text).reason);
    expect(Object.keys(operation.responses), `${res.status} ${text}`).toContain(String(res.status));
    const v = schemas.answer(op.path, op.method, res.status, media);
    expect(v, `no ${media} schema for ${res.status}`).toBeDefined();
    expect(v!(media === 'application/json' ? JSON.parse(text) : text), `${text} ${errorsOf(v!)}`).toBe(true);
    if (media === 'application/json' && res.status >= 400) expect(operation.responses[res.status]['x-callgate-reasons']).toContain(JSON.parse(text).reason);
  });
});

describe('the security schemes are the credentials the routes check', () => {
  const bearerOps = ops.filter((op) => doc.paths[op.path][op.method].responses[401]?.['x-callgate-reasons']?.includes('unauthorized'));

  it.each(bearerOps.map((op) => [op.method.toUpperCase(), op.path, op] as const))('%s %s without a bearer: 401, and a scheme names its realm', async (_, __, op) => {
    const res = await full.app.request(op.path.replace(/\{[^}]+\}/g, 'nobody'), { method: op.method.toUpperCase() });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate')!;
    const schemes: string[] = doc.paths[op.path][op.method].security.flatMap((s: Record<string, unknown>) => Object.keys(s));
    expect(schemes.some((name) => doc.components.securitySchemes[name].description.includes(challenge)), challenge).toBe(true);
  });
});
