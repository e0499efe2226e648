// The Node side: src/cli/policy.ts and src/runtime/node/policy-dir.ts, on real temporary folders.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../cli/policy.js';
import { loadPolicyDir, reloadPolicySet } from '../runtime/node/policy-dir.js';
import { policyJsonSchemaText } from './index.js';
import { PolicySet } from './select.js';

const SHIPPED = new URL('../../policies/', import.meta.url).pathname;
const POLICY = (id: string) => `id: ${id}
version: 1
tiers:
  low: {require: 1, from: [otp]}
  medium: {require: 1, from: [otp]}
  high: {handoff: true}
`;

function run(argv: string[], env: Record<string, string> = {}, extra: Partial<Io> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), env, ...extra };
  return main(argv, io).then((code) => ({ code, out, err }));
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'callgate-policy-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('policy check', () => {
  it('passes on the shipped folder', async () => {
    const r = await run(['check'], { CALLGATE_POLICY_DIR: SHIPPED });
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('prints path:line:column field: message and exits 1', async () => {
    const dir = tempDir({ 'default.yaml': POLICY('default').replace('require: 1, from: [otp]}\n  medium', 'require: 0, from: [otp]}\n  medium') });
    const r = await run(['check'], { CALLGATE_POLICY_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe(`${join(dir, 'default.yaml')}:4:18 tiers.low.require: Too small: expected number to be >=1`);
  });

  it('refuses two files with one id, and a folder without default', async () => {
    const dir = tempDir({ 'a.yaml': POLICY('same'), 'b.yml': POLICY('same'), 'notes.txt': 'ignored' });
    const r = await run(['check'], { CALLGATE_POLICY_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      `${join(dir, 'b.yml')}:1:5 id: id "same" is already used by ${join(dir, 'a.yaml')}`,
      `${dir} no policy with id "default": it is the fallback for every call`,
    ]);
  });

  it('checks explicit files without asking for a default', async () => {
    const dir = tempDir({ 'x.yaml': POLICY('x') });
    const r = await run(['check', join(dir, 'x.yaml')]);
    expect(r.code).toBe(0);
  });
});

describe('policy test', () => {
  it('runs the shipped fixtures and ends with the count line', async () => {
    const r = await run(['test'], { CALLGATE_POLICY_DIR: SHIPPED });
    expect(r.code).toBe(0);
    expect(r.out.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
    expect(r.out.filter((l) => l.startsWith('  ✓')).length).toBeGreaterThanOrEqual(25);
  });

  it('marks a failing scenario with ✗ and exits 1', async () => {
    const dir = tempDir({
      'default.yaml': POLICY('default'),
      'tests/t.yaml': 'policy: default\nscenarios:\n  - name: ok\n    successes: [otp]\n    expect: {allowed: true}\n  - name: bad\n    expect: {allowed: true}\n',
    });
    const r = await run(['test'], { CALLGATE_POLICY_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.out).toContain('  ✓ ok');
    expect(r.out).toContain(`  ✗ bad  (${join(dir, 'tests/t.yaml')}:6)`);
    expect(r.out.at(-1)).toBe('1 passed, 1 failed');
  });

  it('counts an unreadable fixture as a failure', async () => {
    const dir = tempDir({ 'default.yaml': POLICY('default'), 'tests/t.yaml': 'policy: default\nscenarios: [\n' });
    const r = await run(['test'], { CALLGATE_POLICY_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.out.at(-1)).toBe('0 passed, 1 failed');
  });
});

describe('policy schema', () => {
  it('writes policy.schema.json into the policy folder', async () => {
    const dir = tempDir({});
    const r = await run(['schema'], { CALLGATE_POLICY_DIR: dir });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'policy.schema.json'), 'utf8')).toBe(policyJsonSchemaText());
  });
});

describe('policy explain', () => {
  it('says so when explain.js is not there', async () => {
    const dir = tempDir({});
    const r = await run(['explain', 'CA1'], {}, { explainModule: pathToFileURL(join(dir, 'explain.mjs')) });
    expect(r).toMatchObject({ code: 2, err: ['explain: not available'] });
  });

  it('calls its default export with the call id and the remaining arguments', async () => {
    const dir = tempDir({
      'explain.mjs': 'export default async function explain(id, argv) { globalThis.__explained = [id, argv]; return 7; }\n',
    });
    const r = await run(['explain', 'CA1', '--json'], {}, { explainModule: pathToFileURL(join(dir, 'explain.mjs')) });
    expect(r.code).toBe(7);
    expect((globalThis as { __explained?: unknown }).__explained).toEqual(['CA1', ['--json']]);
  });

  it('refuses an action that is not a registered post-auth tool', async () => {
    const dir = tempDir({ 'default.yaml': `${POLICY('default')}actions:\n  transfer_fund: {require: 2}\n` });
    const r = await run(['check'], { CALLGATE_POLICY_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/default\.yaml:8:3 actions\.transfer_fund: "transfer_fund" is not a post-auth tool \(did you mean "transfer_funds"\?\)/);
  });

  it('does not hide a missing import inside explain.js', async () => {
    const dir = tempDir({ 'explain.mjs': "import './gone.mjs';\nexport default async () => 0;\n" });
    await expect(run(['explain', 'CA1'], {}, { explainModule: pathToFileURL(join(dir, 'explain.mjs')) })).rejects.toThrow(/gone/);
  });
});

describe('loadPolicyDir / reloadPolicySet', () => {
  it('loads the shipped folder in file-name order', () => {
    const { policies, errors } = loadPolicyDir(SHIPPED);
    expect(errors).toEqual([]);
    expect(policies.map((p) => p.id)).toEqual(['default', 'nist-aal2']);
  });

  it('a bad file never replaces the good set', () => {
    const good = tempDir({ 'default.yaml': POLICY('default') });
    const first = reloadPolicySet(good);
    expect(first.errors).toEqual([]);
    expect(first.set).toBeInstanceOf(PolicySet);
    writeFileSync(join(good, 'default.yaml'), 'id: default\nversion: oops\n');
    const second = reloadPolicySet(good, first.set);
    expect(second.errors.length).toBeGreaterThan(0);
    expect(second.set).toBe(first.set);
  });

  it('a reload keeps every version calls may still use, and refuses new rules under an old version', () => {
    const dir = tempDir({ 'default.yaml': POLICY('default'), 'line.yaml': POLICY('line') });
    const first = reloadPolicySet(dir).set!;
    rmSync(join(dir, 'line.yaml'));
    writeFileSync(join(dir, 'default.yaml'), POLICY('default').replace('version: 1', 'version: 2'));
    const second = reloadPolicySet(dir, first);
    expect(second.errors).toEqual([]);
    expect(second.set!.inForce()).toEqual([{ id: 'default', version: 2, file: join(dir, 'default.yaml') }]);
    expect(second.set!.version('line', 1)).toBe(first.get('line'));
    expect(second.set!.version('default', 1)).toBe(first.get('default'));

    writeFileSync(join(dir, 'default.yaml'), POLICY('default').replace('low: {require: 1, from: [otp]}', 'low: {require: 1, from: [otp, totp]}'));
    const third = reloadPolicySet(dir, second.set);
    expect(third.set).toBe(second.set);
    expect(third.errors).toMatchObject([{ path: join(dir, 'default.yaml'), line: 2, field: 'version' }]);
    expect(third.errors[0]!.message).toMatch(/version 1 was already loaded with different rules.*raise version \(to 3\)/);
  });

  it('reports a folder that cannot be read', () => {
    const { errors } = loadPolicyDir(join(tmpdir(), 'callgate-no-such-folder'));
    expect(errors[0]?.message).toMatch(/cannot read folder/);
  });
});
