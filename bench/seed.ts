// Prepares a run's SQLite file before the server starts (run as its own process by bench/run.ts):
//   node --import tsx bench/seed.ts --db <file> --calls <n> --bench-customers <n>
// 1. creates the schema exactly as the server does (openSqlite: migrations, WAL);
// 2. stores <n> finished calls of history with what a real call leaves behind: the `calls` row, ~7
//    audit `events`, an `otp_challenges` row, a `did_sessions` (+ `did_nonces`) row for one call in ten,
//    and the history customers they belong to (customers, phones, account refs);
// 3. seeds the demo ledger accounts of the bench customers (enrolled later through the admin API).
// Deterministic (seeded PRNG). Prints one JSON line with what it wrote and how long it took.
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openSqlite } from '../src/runtime/node/sqlite.js';
import { createLedgerStore } from '../src/store/ledger.js';
import { benchCustomer } from './fixtures.js';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { Db } from '../src/store/db.js';
import * as schema from '../src/store/schema/index.js';

/** A worker's D1 file, shared with the workerd that serves it (WAL; no migration here). */
function openWorkerD1(path: string): { db: Db; close(): void } {
  const sqlite = new Database(path);
  sqlite.pragma('busy_timeout = 5000');
  return { db: drizzle(sqlite, { schema }) as unknown as Db, close: () => sqlite.close() };
}

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    calls: { type: 'string', default: '0' },
    'bench-customers': { type: 'string', default: '200' },
    // The file is a running worker's local D1 database: its schema is there (wrangler's migrations).
    'worker-d1': { type: 'boolean', default: false },
  },
});
const file = values.db;
if (!file) throw new Error('--db is required');
const historyCalls = Number(values.calls);
const benchCustomers = Number(values['bench-customers']);
const started = performance.now();

// 1. Schema and the bench customers' ledger accounts, through the project's own code.
if (values['worker-d1'] && historyCalls > 0) throw new Error('--worker-d1 seeds the bench customers only (--calls 0)');
{
  const opened = values['worker-d1'] ? openWorkerD1(file) : openSqlite(file);
  const ledger = createLedgerStore(opened.db);
  for (let i = 0; i < benchCustomers; i++) {
    const c = benchCustomer(i);
    await ledger.seedAccounts(c.id, c.accounts);
  }
  opened.close();
}

// 2. History, in bulk over a raw connection (one transaction per batch, no WAL while loading).
// mulberry32: fast, deterministic.
let state = 0x9e3779b9;
function rand(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const HEX = '0123456789abcdef';
function hex(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[(rand() * 16) | 0];
  return s;
}
const digits = (n: number) => {
  let s = '';
  for (let i = 0; i < n; i++) s += String((rand() * 10) | 0);
  return s;
};

const counts = { calls: 0, events: 0, otp_challenges: 0, did_sessions: 0, did_nonces: 0, customers: 0 };

if (historyCalls > 0) {
  const db = new Database(file);
  db.pragma('journal_mode = DELETE');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144'); // 256 MB while loading
  db.pragma('temp_store = MEMORY');

  const insCustomer = db.prepare('INSERT INTO customers (id, display_name, email, created_at) VALUES (?, ?, ?, ?)');
  const insPhone = db.prepare('INSERT INTO customer_phones (phone, customer_id) VALUES (?, ?)');
  const insRef = db.prepare('INSERT INTO account_refs (ref, customer_id) VALUES (?, ?)');
  const insCall = db.prepare(`INSERT INTO calls (id, conversation_id, source, agent_id, called_number, caller_id, policy_id, policy_version,
      status, customer_id, identified_by, candidates, signals, successes, attempts, failures, kba_asked, handoff, created_at, updated_at,
      authenticated_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, 'default', 1, ?, ?, ?, ?, ?, ?, '{}', ?, '{}', ?, ?, ?, ?, ?)`);
  const insEvent = db.prepare('INSERT INTO events (call_id, type, at, data) VALUES (?, ?, ?, ?)');
  const insOtp = db.prepare(`INSERT INTO otp_challenges (id, call_id, customer_id, channel, code_hash, status, attempts, max_attempts,
      created_at, expires_at, resolved_at) VALUES (?, ?, ?, 'sms', ?, ?, ?, 3, ?, ?, ?)`);
  const insDid = db.prepare(`INSERT INTO did_sessions (id, provider, call_ref, call_id, did, call_binding, status, attempt, max_retries,
      locale, metadata, confirmed_device_id, created_at, expires_at, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 3, 'en-US', '{}', ?, ?, ?, ?)`);
  const insNonce = db.prepare('INSERT INTO did_nonces (nonce, session_id, device_id, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?)');

  // History customers: one per ten calls (at least 1000), each with a phone and a member ID.
  const historyCustomers = Math.max(1000, Math.ceil(historyCalls / 10));
  const now = Date.now();
  const DAY = 86_400_000;
  db.transaction(() => {
    for (let i = 0; i < historyCustomers; i++) {
      const id = `hist-${i}`;
      insCustomer.run(id, `History Customer ${i}`, `hist${i}@example.com`, now - 400 * DAY);
      insPhone.run(`+1415${String(i).padStart(7, '0')}`, id);
      insRef.run(`H${String(i).padStart(8, '0')}`, id);
      counts.customers++;
    }
  })();

  const policy = { id: 'default', version: 1 };
  const decision = (trigger: string, status: string, counted: string[]) =>
    JSON.stringify({
      trigger,
      status,
      tier: 'low',
      tier_signals: [],
      outcome: counted.length ? 'allow' : 'step_up',
      allowed: counted.length > 0,
      required: 1,
      counted,
      reasons: ['policy default v1', 'tier low: no risk signal present', `counted: ${counted.join(', ') || 'none'}`, counted.length ? '1 of 1 required → allow' : '0 of 1 required → step up (eligible: otp, totp, kba_advanced, did)'],
      policy,
    });

  const BATCH = 20_000;
  const oneCall = (k: number) => {
    const createdAt = now - Math.floor(rand() * 90 * DAY) - 3_600_000;
    const id = `CA${hex(32)}`;
    const custN = (rand() * historyCustomers) | 0;
    const identified = rand() < 0.9;
    const customerId = identified ? `hist-${custN}` : null;
    const callerId = identified ? `+1415${String(custN).padStart(7, '0')}` : `+1${digits(10)}`;
    const r = rand();
    const status = !identified ? (r < 0.6 ? 'ended' : 'handed_off') : r < 0.62 ? 'ended' : r < 0.76 ? 'authenticated' : r < 0.88 ? 'handed_off' : r < 0.98 ? 'pending' : 'blocked';
    const passed = status === 'ended' || status === 'authenticated';
    const useDid = rand() < 0.1;
    const factor = useDid ? 'did' : 'otp';
    let t = createdAt;
    const step = () => (t += 500 + Math.floor(rand() * 20_000));
    const events: [string, number, string][] = [];
    events.push(['call_created', t, JSON.stringify({ source: 'initiation', policy, caller_id_candidates: identified ? 1 : 0 })]);
    if (identified) events.push(['identified', step(), JSON.stringify({ by: 'account_ref', customer_id: customerId })]);
    let otpId: string | null = null;
    let didId: string | null = null;
    if (identified && !useDid) {
      otpId = `otp_${hex(22)}`;
      events.push(['otp_sent', step(), JSON.stringify({ channel: 'sms', provider: 'twilio', challenge_id: otpId, expires_at: t + 300_000 })]);
    }
    if (useDid) {
      didId = `did_${hex(22)}`;
      events.push(['session_created', step(), JSON.stringify({ session_id: didId, provider: 'elevenlabs', call_ref: id, attempt: 1, previous_session_id: null })]);
      events.push(['did_issued', t, JSON.stringify({ session_id: didId, provider: 'elevenlabs', call_ref: id, attempt: 1, ttl_seconds: 60 })]);
    }
    if (passed) {
      events.push(['factor_passed', step(), JSON.stringify({ factor })]);
      events.push(['policy_decision', t, decision(`otp_verify`, 'authenticated', [factor])]);
      const g = step();
      events.push(['tool_gate', g, JSON.stringify({ tool: 'account_summary', allowed: true, reason: 'ok', tier: 'low', required: 1, counted: [factor] })]);
      events.push(['tool_result', g, JSON.stringify({ tool: 'account_summary', success: true, reason: 'ok' })]);
    } else if (status === 'handed_off' || status === 'blocked') {
      events.push(['factor_failed', step(), JSON.stringify({ factor, reason: 'wrong_code' })]);
      events.push(['handoff', step(), JSON.stringify({ queue: 'authentication_support', reason: 'lockout', status, factors_passed: [], factors_failed: { [factor]: 1 }, risk_labels: [] })]);
    }
    const endedAt = status === 'ended' ? step() : null;
    if (endedAt) events.push(['call_ended', endedAt, JSON.stringify({ reason: 'post_call' })]);
    const handoff =
      status === 'handed_off' || status === 'blocked'
        ? JSON.stringify({ queue: 'authentication_support', reason: 'lockout', summary: 'Handoff (lockout).', customer_id: customerId, factors_passed: [], factors_failed: { [factor]: 1 }, risk_labels: [], risk_tier: 'low', policy, at: new Date(t).toISOString() })
        : null;
    insCall.run(
      id,
      `conv_${hex(24)}`,
      'initiation',
      'agent_prod_1',
      '+18005550100',
      callerId,
      status,
      customerId,
      identified ? 'account_ref' : null,
      identified ? `["hist-${custN}"]` : '[]',
      '{}',
      passed ? `{"${factor}":${t}}` : '{}',
      passed ? 0 : 1 + ((rand() * 3) | 0),
      handoff,
      createdAt,
      t,
      passed ? t : null,
      endedAt,
    );
    counts.calls++;
    for (const [type, at, data] of events) insEvent.run(id, type, at, data);
    counts.events += events.length;
    if (otpId) {
      insOtp.run(otpId, id, customerId, hex(64), passed ? 'approved' : 'failed', passed ? 1 : 3, createdAt, createdAt + 300_000, t);
      counts.otp_challenges++;
    }
    if (didId) {
      const didStatus = passed ? 'confirmed' : 'timeout';
      insDid.run(didId, 'elevenlabs', id, id, digits(6), hex(22), didStatus, passed ? `phone-${hex(8)}` : null, createdAt, createdAt + 60_000, t);
      counts.did_sessions++;
      if (passed) {
        insNonce.run(hex(24), didId, `phone-${hex(8)}`, t - 2_000, t + 118_000, t);
        counts.did_nonces++;
      }
    }
    return k;
  };
  for (let done = 0; done < historyCalls; ) {
    const n = Math.min(BATCH, historyCalls - done);
    db.transaction(() => {
      for (let k = 0; k < n; k++) oneCall(done + k);
    })();
    done += n;
    process.stderr.write(`seed ${done}/${historyCalls}\n`);
  }
  db.pragma('journal_mode = WAL');
  db.close();
}

console.log(JSON.stringify({ ok: true, file, history_calls: historyCalls, bench_customers: benchCustomers, rows: counts, seconds: Math.round((performance.now() - started) / 100) / 10 }));
