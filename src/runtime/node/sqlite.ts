// Node-only: open (or create) the SQLite file, tune it for a server, apply migrations.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Db } from '../../store/db.js';
import * as schema from '../../store/schema/index.js';

/**
 * The project's migrations folder, found upwards from this module: the same answer from
 * src/runtime/node/ under tsx and from a bundle in dist/ (`npm run build`, the bench's entries).
 */
export const MIGRATIONS_DIR = findUp(dirname(fileURLToPath(import.meta.url)), join('migrations', 'meta', '_journal.json'));

function findUp(from: string, marker: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, marker))) return join(dir, 'migrations');
    if (dirname(dir) === dir) throw new Error(`no ${marker} above ${from}`);
  }
}

export interface OpenedSqlite {
  db: Db;
  sqlite: Database.Database;
  close(): void;
}

export function openSqlite(file: string): OpenedSqlite {
  if (file !== ':memory:') {
    mkdirSync(dirname(resolve(file)), { recursive: true, mode: 0o700 });
    // The database holds names, phones and emails: owner-only from the first byte. SQLite gives
    // its -wal and -shm files the database file's mode.
    closeSync(openSync(file, 'a', 0o600));
  }
  const sqlite = new Database(file);
  // WAL: readers never block the writer; NORMAL sync is durable across process crashes in WAL mode.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  if (file !== ':memory:') for (const f of [file, `${file}-wal`, `${file}-shm`]) ownerOnly(f);
  return { db: db as unknown as Db, sqlite, close: () => sqlite.close() };
}

/** A file created earlier with a looser mode (or copied in) is put back to 0600. */
function ownerOnly(file: string): void {
  if (process.platform === 'win32') return;
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
