import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEV_SECRET_NAMES, loadConfig } from '../../config.js';
import { devSecretsDir, loadOrCreateDevSecrets } from './dev-secrets.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'callgate-dev-secrets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loadOrCreateDevSecrets', () => {
  it('generates the four secrets once and keeps them across restarts', () => {
    const first = loadOrCreateDevSecrets(join(dir, 'data'));
    expect(first.created).toBe(true);
    expect(first.file).toBe(join(dir, 'data', 'dev-secrets.json'));
    expect(Object.keys(first.secrets).sort()).toEqual([...DEV_SECRET_NAMES].sort());
    for (const v of Object.values(first.secrets)) expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes base64url
    expect(new Set(Object.values(first.secrets)).size).toBe(4);

    const second = loadOrCreateDevSecrets(join(dir, 'data'));
    expect(second.created).toBe(false);
    expect(second.secrets).toEqual(first.secrets);
    expect(JSON.parse(readFileSync(first.file, 'utf8'))).toEqual(first.secrets);
  });

  it.skipIf(process.platform === 'win32')('writes the file with mode 0600 and repairs looser modes', () => {
    const { file } = loadOrCreateDevSecrets(dir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    chmodSync(file, 0o644);
    loadOrCreateDevSecrets(dir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('fills in a missing secret and keeps the others', () => {
    const file = join(dir, 'dev-secrets.json');
    writeFileSync(file, JSON.stringify({ CALLGATE_TOOL_SECRET: 'kept', CALLGATE_IVR_SECRET: 'kept2', CALLGATE_ADMIN_TOKEN: 'kept3' }));
    const r = loadOrCreateDevSecrets(dir);
    expect(r.created).toBe(true);
    expect(r.secrets.CALLGATE_TOOL_SECRET).toBe('kept');
    expect(r.secrets.CALLGATE_SECRET_KEY).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(loadOrCreateDevSecrets(dir)).toMatchObject({ created: false, secrets: r.secrets });
  });

  it('refuses a corrupt file instead of silently replacing the secrets', () => {
    writeFileSync(join(dir, 'dev-secrets.json'), '{not json');
    expect(() => loadOrCreateDevSecrets(dir)).toThrow(/dev-secrets\.json: not valid JSON/);
  });

  it('feeds loadConfig outside production', () => {
    const { secrets } = loadOrCreateDevSecrets(dir);
    const r = loadConfig({}, secrets);
    expect(r.ok && r.config.secrets.tool).toBe(secrets.CALLGATE_TOOL_SECRET);
    expect(r.ok && r.usedDevSecrets).toHaveLength(4);
  });
});

describe('devSecretsDir (server, seed:demo, elevenlabs and device CLIs agree)', () => {
  it('is the database file\'s folder; ./data for the default, a blank value or an in-memory database', () => {
    expect(devSecretsDir({ CALLGATE_DB: '/srv/callgate/db.sqlite' })).toBe('/srv/callgate');
    expect(devSecretsDir({})).toBe(resolve('./data'));
    // Blank is unset for the config too; before, it resolved to the parent of the working directory.
    expect(devSecretsDir({ CALLGATE_DB: '  ' })).toBe(resolve('./data'));
    expect(devSecretsDir({ CALLGATE_DB: ':memory:' })).toBe(resolve('./data'));
  });
});
