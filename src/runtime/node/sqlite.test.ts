import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'callgate-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mode = (f: string) => statSync(f).mode & 0o777;

describe.skipIf(process.platform === 'win32')('SQLite files', () => {
  it('are created owner-only (0600): the database, its -wal and its -shm', () => {
    const old = process.umask(0o022); // the usual umask would give 0644
    try {
      const file = join(dir, 'fresh', 'callgate.sqlite');
      const opened = openSqlite(file);
      opened.sqlite.prepare("insert into policy_versions values ('x', 1, '{}', 0)").run();
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        expect(existsSync(f), f).toBe(true);
        expect(mode(f), f).toBe(0o600);
      }
      opened.close();
    } finally {
      process.umask(old);
    }
  });

  it('an existing database readable by others is put back to 0600', () => {
    const file = join(dir, 'loose.sqlite');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const opened = openSqlite(file);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
    opened.close();
  });
});
