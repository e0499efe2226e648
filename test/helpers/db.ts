import { openSqlite, type OpenedSqlite } from '../../src/runtime/node/sqlite.js';

/** A fresh in-memory database with every migration applied. */
export function openTestDb(): OpenedSqlite {
  return openSqlite(':memory:');
}
