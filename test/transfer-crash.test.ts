// A transfer under `kill -9`: a real child server on a real SQLite file, real HTTP over a socket,
// killed (CALLGATE_FAULT makes it SIGKILL itself) at every step boundary of a transfer. After a
// restart on the same file the money adds up, and the retry answers the transfer's real outcome.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_POINTS } from '../src/fault.js';
import { openSqlite } from '../src/runtime/node/sqlite.js';
import { createLedgerStore } from '../src/store/ledger.js';
import { transferIdempotencyKey } from '../tools/post-auth/transfer_funds.js';
import { ADA } from './helpers/app.js';
import { childClient, cleanUpChildServers, crashTestPolicies, startChildServer, type ChildClient } from './helpers/child-server.js';

const dir = mkdtempSync(join(tmpdir(), 'callgate-transfer-crash-'));
const db = join(dir, 'callgate.sqlite');
const policies = { CALLGATE_POLICY_DIR: crashTestPolicies(dir) };
afterAll(() => {
  cleanUpChildServers();
  rmSync(dir, { recursive: true, force: true });
});

/** What the file holds, read by this process (WAL: a reader never waits for the server). */
function ledgerState() {
  const o = openSqlite(db);
  try {
    const accounts = o.sqlite.prepare("SELECT ref, balance_cents AS cents FROM ledger_accounts WHERE customer_id = 'cust_ada'").all() as {
      ref: string;
      cents: number;
    }[];
    const transfers = o.sqlite.prepare('SELECT id, call_id AS callId, status, reason, amount_cents AS cents FROM ledger_transfers').all() as {
      id: string;
      callId: string;
      status: string;
      reason: string | null;
      cents: number;
    }[];
    const integrity = o.sqlite.pragma('integrity_check', { simple: true });
    const balance = Object.fromEntries(accounts.map((a) => [a.ref, a.cents]));
    return { balance, sum: accounts.reduce((n, a) => n + a.cents, 0), transfers, integrity };
  } finally {
    o.close();
  }
}

/** initiation → identify → otp_send → the code from the dev outbox → otp_verify → KBA (a transfer needs two factors). */
async function authenticate(c: ChildClient, callId: string) {
  await c.initiation(callId, '+14155550142');
  expect((await c.tool(callId, 'identify', { account_ref: 'AC-1001-2002' })).body.success).toBe(true);
  expect((await c.tool(callId, 'otp_send', { channel: 'sms' })).body.success).toBe(true);
  const code = await c.codeFor(callId);
  expect((await c.tool(callId, 'otp_verify', { code })).body).toMatchObject({ success: true, privileged_allowed: true });
  await c.tool(callId, 'kba_question', { level: 'advanced' });
  expect((await c.tool(callId, 'kba_verify', { question_id: 'q_deposit', answer: 'two hundred fifty dollars' })).body.success).toBe(true);
}

beforeAll(async () => {
  const seeded = openSqlite(db);
  await createLedgerStore(seeded.db).seedAccounts('cust_ada', [
    { ref: 'CHK-1001', kind: 'checking', balanceCents: 500_000 },
    { ref: 'SAV-2002', kind: 'savings', balanceCents: 1_000_000 },
  ]);
  seeded.close();
  const server = await startChildServer(db, policies);
  expect((await childClient(server.url).admin('POST', '/customers', ADA)).status).toBe(201);
  await server.stop();
}, 90_000);

describe('transfer_funds under kill -9 at every step boundary', () => {
  it.each(FAULT_POINTS)('killed at %s: money adds up, and the retry answers the real outcome once', { timeout: 120_000 }, async (point) => {
    const callId = `CA-${point.replace(/\W/g, '-')}`;
    const args = { from_account: 'checking', to_account: 'savings', amount: 12.34, memo: point };

    const armedServer = await startChildServer(db, { ...policies, CALLGATE_FAULT: point });
    const armed = childClient(armedServer.url);
    await authenticate(armed, callId);
    const before = ledgerState();
    // The server dies inside this request: the client sees the connection drop, never an answer.
    const lost = await armed.post('transfer_funds', callId, args).then(
      (a) => a,
      (e: unknown) => e as Error,
    );
    expect(lost, `no answer expected, got ${JSON.stringify(lost)}`).toBeInstanceOf(Error);
    expect(await armedServer.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const crashed = ledgerState();
    expect(crashed.integrity).toBe('ok');
    expect(crashed.sum).toBe(before.sum);
    // Torn is impossible: nothing of the transfer, or all of it.
    const mine = crashed.transfers.filter((t) => t.callId === callId);
    if (point === 'transfer:after_commit') {
      expect(mine).toMatchObject([{ status: 'completed', reason: 'ok', cents: 1_234 }]);
      expect(crashed.balance).toEqual({ 'CHK-1001': before.balance['CHK-1001']! - 1_234, 'SAV-2002': before.balance['SAV-2002']! + 1_234 });
    } else {
      expect(mine).toEqual([]);
      expect(crashed.balance).toEqual(before.balance);
    }

    // Restart on the same file; the platform retries the same tool call (same idempotency key).
    const server = await startChildServer(db, policies);
    const c = childClient(server.url);
    const retry = await c.post('transfer_funds', callId, args);
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(retry.body).toMatchObject({ success: true, reason: 'ok', transfer: { status: 'completed', amount: 12.34 } });
    if (point === 'transfer:after_commit') expect(retry.body.transfer.id).toBe(mine[0]!.id);
    const again = await c.post('transfer_funds', callId, args);
    expect(again).toEqual(retry);

    const after = ledgerState();
    expect(after.integrity).toBe('ok');
    expect(after.sum).toBe(before.sum);
    expect(after.balance).toEqual({ 'CHK-1001': before.balance['CHK-1001']! - 1_234, 'SAV-2002': before.balance['SAV-2002']! + 1_234 });
    expect(after.transfers.filter((t) => t.callId === callId)).toMatchObject([{ id: retry.body.transfer.id, status: 'completed' }]);
    expect(after.transfers.filter((t) => t.status === 'pending')).toEqual([]);
    await server.stop();
  });

  it('a transfer left pending by a dead process is settled at start-up; its retry answers at once', { timeout: 60_000 }, async () => {
    const callId = 'CA-stuck';
    const args = { from_account: 'checking', to_account: 'savings', amount: 5 };
    const first = await startChildServer(db, policies);
    await authenticate(childClient(first.url), callId);
    await first.kill9();
    // What the earlier four-commit code left when killed between its claim and its settle.
    const key = await transferIdempotencyKey({ callId, customerId: 'cust_ada', from: 'checking', to: 'savings', amountCents: 500 });
    const o = openSqlite(db);
    o.sqlite
      .prepare(
        `INSERT INTO ledger_transfers (id, idempotency_key, call_id, customer_id, from_ref, to_ref, amount_cents, status, created_at)
         VALUES ('trf_stuck', ?, ?, 'cust_ada', 'CHK-1001', 'SAV-2002', 500, 'pending', 1)`,
      )
      .run(key, callId);
    o.close();
    const before = ledgerState();

    const server = await startChildServer(db, policies);
    const retry = await childClient(server.url).post('transfer_funds', callId, args);
    expect(retry.body).toMatchObject({ success: false, reason: 'interrupted', transfer: { id: 'trf_stuck', status: 'rejected' } });
    expect(retry.status).toBe(422);
    // Operators learn which transfers to reconcile (the id only, nothing secret).
    expect(server.output()).toContain('"event":"ledger_transfer_interrupted"');
    expect(server.output()).toContain('"transfer_id":"trf_stuck"');
    const after = ledgerState();
    expect(after.balance).toEqual(before.balance);
    expect(after.transfers.filter((t) => t.status === 'pending')).toEqual([]);
    await server.stop();
  });

  it('refuses CALLGATE_FAULT in production, and an unknown point anywhere', { timeout: 60_000 }, async () => {
    const prod = await startChildServer(db, { ...policies, NODE_ENV: 'production', CALLGATE_FAULT: 'transfer:after_debit' }).catch((e: Error) => e);
    expect(prod).toBeInstanceOf(Error);
    expect(String(prod)).toContain('CALLGATE_FAULT: fault injection is for tests only and refused in production');
    const typo = await startChildServer(db, { ...policies, CALLGATE_FAULT: 'transfer:after_lunch' }).catch((e: Error) => e);
    expect(String(typo)).toMatch(/CALLGATE_FAULT: must be one of transfer:after_claim, /);
  });
});
