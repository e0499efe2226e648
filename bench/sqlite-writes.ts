// Evidence for the write-path hot spot (`Statement.run ← events.append`): every audit event is its
// own autocommit transaction on a WAL database (synchronous=NORMAL), and `events.id` is
// AUTOINCREMENT, so each event also rewrites sqlite_sequence. What one audit event costs, as callgate
// writes it and as it could be written, on a fresh callgate database:
//   npx tsx bench/sqlite-writes.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../src/runtime/node/sqlite.js';
import { createEventStore } from '../src/store/events.js';

const dir = mkdtempSync(join(tmpdir(), 'callgate-writes-'));
const o = openSqlite(join(dir, 'db.sqlite'));
const events = createEventStore(o.db);
const N = 20_000;
const data = { tool: 'account_summary', allowed: true, reason: 'ok', tier: 'low', required: 1, counted: ['otp'] };

async function time(label: string, f: (i: number) => unknown | Promise<unknown>): Promise<void> {
  for (let i = 0; i < 1_000; i++) await f(i);
  const t = performance.now();
  for (let i = 0; i < N; i++) await f(i);
  console.log(`${(((performance.now() - t) / N) * 1000).toFixed(1).padStart(6)} µs per event  ${label}`);
}

await time('events.append (drizzle, autocommit, AUTOINCREMENT) — as callgate does', (i) => events.append(`CAbench${i % 500}`, 'tool_gate', Date.now(), data));
const raw = o.sqlite.prepare('INSERT INTO events (call_id, type, at, data) VALUES (?, ?, ?, ?)');
await time('raw INSERT, autocommit, AUTOINCREMENT', (i) => raw.run(`CAbench${i % 500}`, 'tool_gate', Date.now(), JSON.stringify(data)));
o.sqlite.exec('CREATE TABLE events2 (id INTEGER PRIMARY KEY, call_id TEXT, type TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL); CREATE INDEX events2_call_idx ON events2 (call_id, type, at);');
const raw2 = o.sqlite.prepare('INSERT INTO events2 (call_id, type, at, data) VALUES (?, ?, ?, ?)');
await time('raw INSERT, autocommit, INTEGER PRIMARY KEY (no AUTOINCREMENT)', (i) => raw2.run(`CAbench${i % 500}`, 'tool_gate', Date.now(), JSON.stringify(data)));
const batch5 = o.sqlite.transaction((i: number) => {
  for (let k = 0; k < 5; k++) raw.run(`CAbench${i % 500}`, 'tool_gate', Date.now(), JSON.stringify(data));
});
const t = performance.now();
for (let i = 0; i < N / 5; i++) batch5(i);
console.log(`${(((performance.now() - t) / N) * 1000).toFixed(1).padStart(6)} µs per event  5 events per transaction (one commit per request), AUTOINCREMENT`);
o.close();
rmSync(dir, { recursive: true, force: true });
