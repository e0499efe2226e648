// `npm run start:worker` as a person runs it (run by vitest.worker-http.config.ts: it boots workerd).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { personEnv, startNpmServer } from '../../../test/helpers/npm-process.js';

const dir = mkdtempSync(join(tmpdir(), 'callgate-start-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = (extra: Record<string, string> = {}) => startNpmServer('start:worker', personEnv({ CALLGATE_DB: join(dir, 'callgate.sqlite'), PORT: '0', ...extra }));

describe('npm run start:worker', () => {
  it('prints the development secrets once, answers /healthz, and stops on SIGTERM', async () => {
    const first = start();
    const url = await first.listening;
    const secrets = JSON.parse(readFileSync(join(dir, 'dev-secrets.json'), 'utf8')) as Record<string, string>;
    expect(first.output()).toContain(`CALLGATE_ADMIN_TOKEN=${secrets.CALLGATE_ADMIN_TOKEN}`);
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toMatchObject({ ok: true, policies: [{ id: 'default', version: 1 }, { id: 'nist-aal2', version: 1 }] });
    const enrol = await fetch(`${url}/admin/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.CALLGATE_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customer_id: 'cust_keep', phones: ['+14155550177'], account_refs: ['KEEP-1'] }),
    });
    expect(enrol.status).toBe(201);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // The same CALLGATE_DB: the same secrets (not printed again) and the same D1.
    const second = start();
    const again = await second.listening;
    expect(second.output()).not.toContain('Generated development secrets');
    const found = await fetch(`${again}/admin/customers?phone=%2B14155550177`, { headers: { authorization: `Bearer ${secrets.CALLGATE_ADMIN_TOKEN}` } });
    expect(JSON.stringify(await found.json())).toContain('cust_keep');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 180_000); // two starts, each bundling, migrating and booting workerd on a shared 2-core machine

  it('refuses a bad environment with one line per problem, as npm start does', async () => {
    const bad = start({ PORT: 'eighty' });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toMatch(/callgate cannot start:\n {2}PORT: must be an integer 0–65535, got "eighty"/);
  });
});
