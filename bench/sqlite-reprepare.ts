// Evidence for a hot spot the CPU profiles show (`sqlite3Reprepare` under Statement.get): the
// better-sqlite3 build has SQLITE_ENABLE_STAT4, and a statement whose plan can depend on a bound
// value (a `LIMIT ?`, or `status = ?` against a partial index `WHERE status = 'pending'`) is
// expired and re-prepared (parsed and planned again) on every execution after a rebind. Drizzle binds
// `.limit(1)` and `eq(col, 'literal')` as parameters, so those prepared statements are prepared anew
// each time they run. Same query, literal vs bound, on a fresh callgate database:
//   npx tsx bench/sqlite-reprepare.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, desc, eq, ne, sql } from 'drizzle-orm';
import { openSqlite } from '../src/runtime/node/sqlite.js';
import { otpChallenges } from '../src/factors/otp/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'callgate-reprepare-'));
const o = openSqlite(join(dir, 'db.sqlite'));
const N = 20_000;
function time(label: string, f: () => unknown): number {
  for (let i = 0; i < 2_000; i++) f();
  const t = performance.now();
  for (let i = 0; i < N; i++) f();
  const us = ((performance.now() - t) / N) * 1000;
  console.log(`${us.toFixed(1).padStart(6)} µs  ${label}`);
  return us;
}
const q = (s: string) => o.sqlite.prepare(s);

console.log(`SQLite ${(q('select sqlite_version() v').get() as { v: string }).v}; STAT4: ${q("select 1 from pragma_compile_options where compile_options = 'ENABLE_STAT4'").get() ? 'yes' : 'no'}`);
const latestSql = o.db
  .select()
  .from(otpChallenges)
  .where(and(eq(otpChallenges.callId, sql.placeholder('callId')), ne(otpChallenges.status, 'undelivered')))
  .orderBy(desc(otpChallenges.createdAt), desc(otpChallenges.id))
  .limit(1)
  .toSQL();
console.log(`challenges.latest as drizzle renders it:\n  ${latestSql.sql}\n  params ${JSON.stringify(latestSql.params)}`);

const latestBound = q(latestSql.sql);
const latestLiteral = q(latestSql.sql.replace(/limit \?$/, 'limit 1'));
time('challenges.latest, LIMIT ? bound (as drizzle runs it)', () => latestBound.get('CA1', 'undelivered', 1));
time('challenges.latest, LIMIT 1 literal', () => latestLiteral.get('CA1', 'undelivered'));

const pendingBound = q(`select * from did_sessions where did = ? and status = ?`);
const pendingLiteral = q(`select * from did_sessions where did = ? and status = 'pending'`);
time("did.pendingByDid, status = ? bound (partial index WHERE status = 'pending')", () => pendingBound.get('123456', 'pending'));
time("did.pendingByDid, status = 'pending' literal", () => pendingLiteral.get('123456'));

const callBound = q(`select * from calls where id = ? limit ?`);
const callPlain = q(`select * from calls where id = ?`);
time('calls by id, LIMIT ? bound', () => callBound.get('CA1', 1));
time('calls by id', () => callPlain.get('CA1'));

o.close();
rmSync(dir, { recursive: true, force: true });
