// End to end under crashes: full calls (initiation → identify → otp_send → the code from the dev outbox →
// otp_verify → KBA → transfer_funds) run concurrently against a real child server on a real SQLite
// file, and the server is `kill -9`ed several times at random moments and restarted on the same
// file. Whatever a client saw succeed must still hold afterwards; nothing may happen twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openSqlite } from '../src/runtime/node/sqlite.js';
import { createLedgerStore } from '../src/store/ledger.js';
import { ADA } from './helpers/app.js';
import { childClient, cleanUpChildServers, crashTestPolicies, startChildServer, type Answer, type ChildClient } from './helpers/child-server.js';

const dir = mkdtempSync(join(tmpdir(), 'callgate-e2e-crash-'));
const db = join(dir, 'callgate.sqlite');
const policies = { CALLGATE_POLICY_DIR: crashTestPolicies(dir) };
afterAll(() => {
  cleanUpChildServers();
  rmSync(dir, { recursive: true, force: true });
});

const KILLS = 4;
const WORKERS = 6;
const CHECKING = 1_000_000;
const SAVINGS = 2_000_000;

/** Six customers like Ada (own phone, account, KBA answer), so calls do not all share one. */
const CUSTOMERS = [0, 1, 2, 3, 4, 5].map((i) => ({
  enrol: {
    ...ADA,
    customer_id: `cust_crash_${i}`,
    phones: [`+1415555090${i}`],
    email: `crash${i}@example.com`,
    account_refs: [`AC-90${i}`],
    totp: false,
  },
  phone: `+1415555090${i}`,
  accountRef: `AC-90${i}`,
  checking: `CHK-90${i}`,
  savings: `SAV-90${i}`,
}));

/** A seeded PRNG: the kill moments differ per run but a failure names its seed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

interface CallLog {
  callId: string;
  customer: (typeof CUSTOMERS)[number];
  code?: string;
  /** otp_verify answers with this code that said success (a client saw them). */
  codeAccepted: number;
  authenticatedSeen: boolean;
  transferArgs?: Record<string, unknown>;
  /** The transfer answer the client saw, if one arrived. */
  transferSeen?: Answer;
}

function ledgerRows() {
  const o = openSqlite(db);
  try {
    return {
      accounts: o.sqlite.prepare('SELECT ref, balance_cents AS cents FROM ledger_accounts').all() as { ref: string; cents: number }[],
      transfers: o.sqlite.prepare('SELECT call_id AS callId, from_ref AS fromRef, status, amount_cents AS cents FROM ledger_transfers').all() as {
        callId: string;
        fromRef: string;
        status: string;
        cents: number;
      }[],
      integrity: o.sqlite.pragma('integrity_check', { simple: true }),
    };
  } finally {
    o.close();
  }
}

it('kill -9 under a load of full calls loses no success a client saw and repeats nothing', { timeout: 120_000 }, async () => {
  const seed = Date.now() % 1_000_000;
  const random = prng(seed);
  const context = `seed ${seed}`;

  const seeded = openSqlite(db);
  const ledger = createLedgerStore(seeded.db);
  for (const c of CUSTOMERS) {
    await ledger.seedAccounts(c.enrol.customer_id, [
      { ref: c.checking, kind: 'checking', balanceCents: CHECKING },
      { ref: c.savings, kind: 'savings', balanceCents: SAVINGS },
    ]);
  }
  seeded.close();

  let running = await startChildServer(db, policies);
  let client: ChildClient = childClient(running.url);
  for (const c of CUSTOMERS) expect((await client.admin('POST', '/customers', c.enrol)).status).toBe(201);

  const calls: CallLog[] = [];
  const serverErrors: string[] = [];
  let stopping = false;
  let n = 0;
  // Closed while the server is down, so workers wait for it instead of spinning on refused sockets.
  let up: Promise<void> = Promise.resolve();

  /** Any answer that did arrive must not be a 5xx; a dropped connection throws instead. */
  const seen = (what: string, a: Answer) => {
    if (a.status >= 500) serverErrors.push(`${what}: ${a.status} ${JSON.stringify(a.body)}`);
    return a;
  };

  async function fullCall(c: ChildClient, log: CallLog) {
    const id = log.callId;
    seen('initiation', await c.initiation(id, log.customer.phone));
    // Caller ID claims nobody: the caller says their account number.
    if (!seen('identify', await c.tool(id, 'identify', { account_ref: log.customer.accountRef })).body.success) return;
    if (!seen('otp_send', await c.tool(id, 'otp_send', { channel: 'sms' })).body.success) return;
    log.code = await c.codeFor(id);
    if (!log.code) return;
    const verified = seen('otp_verify', await c.tool(id, 'otp_verify', { code: log.code }));
    if (verified.body.success) {
      log.codeAccepted++;
      log.authenticatedSeen = verified.body.auth_state?.status === 'authenticated';
    }
    if (!log.authenticatedSeen) return;
    seen('kba_question', await c.tool(id, 'kba_question', { level: 'advanced' }));
    const kba = seen('kba_verify', await c.tool(id, 'kba_verify', { question_id: 'q_deposit', answer: 'two hundred fifty dollars' }));
    if (!kba.body.success) return;
    log.transferArgs = { from_account: 'checking', to_account: 'savings', amount: 1 + (n % 97) / 100 };
    log.transferSeen = seen('transfer_funds', await c.post('transfer_funds', id, log.transferArgs));
  }

  async function worker(w: number) {
    while (!stopping) {
      await up;
      const log: CallLog = {
        callId: `CX-${w}-${n++}`,
        customer: CUSTOMERS[n % CUSTOMERS.length]!,
        codeAccepted: 0,
        authenticatedSeen: false,
      };
      calls.push(log);
      // A request the server died under throws; the call is abandoned like a dropped phone call.
      await fullCall(client, log).catch(() => new Promise((r) => setTimeout(r, 20)));
    }
  }

  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  for (let k = 0; k < KILLS; k++) {
    await new Promise((r) => setTimeout(r, 400 + Math.floor(random() * 1_200)));
    let reopen!: () => void;
    up = new Promise((r) => (reopen = r));
    await running.kill9();
    const rows = ledgerRows();
    expect(rows.integrity, context).toBe('ok');
    expect(rows.transfers.filter((t) => t.status === 'pending'), context).toEqual([]);
    running = await startChildServer(db, policies);
    client = childClient(running.url);
    reopen();
  }
  // Some load on the last server too, then let the calls in flight finish.
  await new Promise((r) => setTimeout(r, 500));
  stopping = true;
  await Promise.all(workers);

  const authenticated = calls.filter((c) => c.authenticatedSeen);
  const transferred = calls.filter((c) => c.transferSeen?.status === 200);
  expect(authenticated.length, `${context}: the load authenticated calls`).toBeGreaterThan(KILLS);
  expect(transferred.length, `${context}: the load moved money`).toBeGreaterThan(0);
  expect(calls.filter((c) => !c.transferSeen).length, `${context}: kills cut calls off`).toBeGreaterThan(0);

  // Every call a client saw authenticated still is.
  for (const log of authenticated) {
    const status = await client.tool(log.callId, 'status');
    expect(status.body.auth_state?.status, `${context} ${log.callId}`).toBe('authenticated');
  }
  // Every transfer tried, answered or cut off, gets a real answer on retry, the same one a client saw.
  for (const log of calls.filter((c) => c.transferArgs)) {
    const retry = seen('transfer_funds retry', await client.post('transfer_funds', log.callId, log.transferArgs!));
    expect(retry.body.reason, `${context} ${log.callId}`).not.toBe('in_progress');
    expect(retry.status, `${context} ${log.callId}: ${JSON.stringify(retry.body)}`).toBe(200);
    if (log.transferSeen) expect(retry, `${context} ${log.callId}`).toEqual(log.transferSeen);
  }
  // No code is accepted twice: counting what clients saw before, each code opens at most once.
  // (After the transfer retries: a refused code counts as a failed check on its call.)
  for (const log of calls.filter((c) => c.code)) {
    for (let i = 0; i < 2; i++) {
      const again = seen('otp_verify again', await client.tool(log.callId, 'otp_verify', { code: log.code }));
      if (again.body.success) log.codeAccepted++;
    }
    expect(log.codeAccepted, `${context} ${log.callId}: code accepted ${log.codeAccepted} times`).toBeLessThanOrEqual(1);
  }
  expect(serverErrors, context).toEqual([]);
  await running.stop();

  // Money: each customer's total is what it was, and checking is down by exactly the completed transfers.
  const rows = ledgerRows();
  expect(rows.integrity, context).toBe('ok');
  const balance = Object.fromEntries(rows.accounts.map((a) => [a.ref, a.cents]));
  for (const c of CUSTOMERS) {
    const moved = rows.transfers.filter((t) => t.fromRef === c.checking && t.status === 'completed').reduce((s, t) => s + t.cents, 0);
    expect(balance[c.checking]! + balance[c.savings]!, `${context} ${c.enrol.customer_id}`).toBe(CHECKING + SAVINGS);
    expect(balance[c.checking], `${context} ${c.enrol.customer_id}`).toBe(CHECKING - moved);
  }
  const perCall = new Map<string, number>();
  for (const t of rows.transfers) perCall.set(t.callId, (perCall.get(t.callId) ?? 0) + 1);
  expect([...perCall.values()].every((v) => v === 1), context).toBe(true);
  expect(rows.transfers.filter((t) => t.status !== 'completed'), context).toEqual([]);
});
