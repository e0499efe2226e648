// Two real server processes on one SQLite file: /metrics is read from durable state, so either
// answers the same totals; and the access log reaches the process's standard output.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, expect, it } from 'vitest';
import { CHILD_SECRETS, childClient, cleanUpChildServers, startChildServer } from './helpers/child-server.js';

const dir = mkdtempSync(join(tmpdir(), 'callgate-metrics-'));
afterAll(() => {
  cleanUpChildServers();
  rmSync(dir, { recursive: true, force: true });
});

const METRICS_TOKEN = 'child-metrics-token-0123456789abcdef';

async function scrape(url: string, token = METRICS_TOKEN) {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
}

const valueOf = (text: string, name: string) => Number(parsePrometheusTextFormat(text).find((f) => f.name === name)?.metrics[0]?.value);

it('two processes on one database answer the same totals; each request leaves an access-log line', async () => {
  const db = join(dir, 'callgate.sqlite');
  const env = { CALLGATE_METRICS_TOKEN: METRICS_TOKEN };
  const a = await startChildServer(db, env);
  const b = await startChildServer(db, env);
  try {
    const client = childClient(a.url);
    expect((await client.admin('POST', '/customers', { customer_id: 'cust_m', phones: ['+14155550199'], account_refs: ['MX-1001'] })).status).toBe(201);
    await client.initiation('CA1', '+14155550199');
    await client.tool('CA1', 'identify', { account_ref: 'MX-1001' });
    await client.tool('CA1', 'otp_send', { channel: 'sms' });
    expect((await client.tool('CA1', 'otp_verify', { code: await client.codeFor('CA1') })).body.success).toBe(true);

    const fromA = await scrape(a.url);
    const fromB = await scrape(b.url);
    expect(fromA.status).toBe(200);
    expect(fromB.text).toBe(fromA.text);
    expect(valueOf(fromB.text, 'callgate_calls_created_total')).toBe(1);
    expect(valueOf(fromB.text, 'callgate_calls_authenticated_total')).toBe(1);
    expect((await scrape(b.url, CHILD_SECRETS.CALLGATE_TOOL_SECRET)).status).toBe(401);

    const accessLines = () => b.output().split('\n').filter((l) => l.includes('"event":"http_request"')).map((l) => JSON.parse(l));
    // Standard output arrives through a pipe: wait (boundedly) for the second line to be read.
    for (let i = 0; i < 200 && accessLines().length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    const lines = accessLines();
    expect(lines).toEqual([
      expect.objectContaining({ method: 'GET', route: '/metrics', status: 200 }),
      expect.objectContaining({ method: 'GET', route: '/metrics', status: 401 }),
    ]);
    expect(b.output()).not.toContain(METRICS_TOKEN);
    expect(b.output()).not.toContain(CHILD_SECRETS.CALLGATE_TOOL_SECRET);
  } finally {
    await a.stop();
    await b.stop();
  }
});
