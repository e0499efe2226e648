import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrolAda, makeTestApp, ring, SECRETS, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
  await enrolAda(t);
});
afterEach(() => t.close());

const accessLines = () => t.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'http_request');

describe('access log', () => {
  it('one line for a 401: method, route pattern, status, duration; no header or token', async () => {
    const before = accessLines().length;
    const res = await t.send('GET', '/admin/calls/CA77', undefined, 'not-the-admin-token');
    expect(res.status).toBe(401);
    const lines = accessLines().slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual({ at: expect.any(String), level: 'info', event: 'http_request', method: 'GET', route: '/admin/calls/:id', status: 401, duration_ms: expect.any(Number) });
    expect(JSON.stringify(lines[0])).not.toContain('not-the-admin-token');
  });

  it('one line for a 400 with the call id the body names, never the body', async () => {
    await ring(t, 'CA1');
    const before = accessLines().length;
    const res = await t.send('POST', '/tools/auth_orchestrator', { call_id: 'CA1', action: 'otp_verify', code: 'not-a-code-424242' }, SECRETS.tool);
    expect(res.status).toBe(400);
    const lines = accessLines().slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'POST', route: '/tools/auth_orchestrator', status: 400, call_id: 'CA1' });
    expect(lines[0]!.duration_ms).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(lines[0])).not.toContain('424242');
  });

  it('the route pattern, not the path: an admin read names /admin/calls/:id and its call', async () => {
    await ring(t, 'CA2');
    const before = accessLines().length;
    expect((await t.admin('GET', '/calls/CA2')).status).toBe(200);
    expect(accessLines().slice(before)).toEqual([expect.objectContaining({ route: '/admin/calls/:id', status: 200, call_id: 'CA2' })]);
  });

  it('a body refused for its size is logged with its 413', async () => {
    const before = accessLines().length;
    const res = await t.send('POST', '/tools/auth_orchestrator', 'x'.repeat(64 * 1024), SECRETS.tool);
    expect(res.status).toBe(413);
    expect(accessLines().slice(before)).toEqual([expect.objectContaining({ route: expect.any(String), status: 413 })]);
  });
});
