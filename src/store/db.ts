import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type * as schema from './schema/index.js';

/**
 * The database every store function takes: better-sqlite3 on Node ('sync'), D1 on Workers ('async').
 * Store code always awaits, so the same queries run on both.
 */
export type Db = BaseSQLiteDatabase<'sync' | 'async', unknown, typeof schema>;
