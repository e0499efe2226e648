import { Hono } from 'hono';
import { openApiJson } from './document.js';

/** GET /openapi.json — public: the document describes the routes and holds no secret. */
export function openApiRoutes() {
  return new Hono().get('/openapi.json', (c) => c.body(openApiJson(), 200, { 'content-type': 'application/json; charset=utf-8' }));
}
