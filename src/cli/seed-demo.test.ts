// `npm run seed:demo -- --url`: where the admin token may be sent (no network needed to refuse).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seedDemo } from './seed-demo.js';

const dir = mkdtempSync(join(tmpdir(), 'callgate-seed-url-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'dev-secrets.json'), JSON.stringify({ CALLGATE_ADMIN_TOKEN: 'dev-admin-token-never-leaves-this-machine' }));
const env = { CALLGATE_DB: join(dir, 'callgate.sqlite') };

async function run(argv: string[], extra: Record<string, string> = {}) {
  const out: string[] = [];
  const code = await seedDemo({ ...env, ...extra }, (l) => out.push(l), (l) => out.push(l), argv);
  return { code, text: out.join('\n') };
}

describe('seed:demo --url', () => {
  it('refuses plain http to another machine', async () => {
    const r = await run(['--url', 'http://callgate.example.com']);
    expect(r.code).toBe(2);
    expect(r.text).toMatch(/must be https unless it is this machine/);
  });

  it("does not send this machine's development token to another server", async () => {
    const r = await run(['--url=https://callgate.example.com']);
    expect(r.code).toBe(2);
    expect(r.text).toMatch(/set CALLGATE_ADMIN_TOKEN/);
    expect(r.text).not.toContain('dev-admin-token-never-leaves-this-machine');
  });

  it('says so when nothing listens on this machine', async () => {
    const r = await run(['--url', 'http://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/is the server running at http:\/\/127\.0\.0\.1:9/);
    expect(r.text).not.toContain('dev-admin-token-never-leaves-this-machine');
  });
});
