import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { purgeRetired } from '../src/orchestrator/retention.js';
import { ADA, ADA_PHONE, enrolAda, enrolDevice, makeTestApp, ring, SECRETS, unlimited, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp({ rateLimiter: unlimited });
  await enrolAda(t);
});
afterEach(() => t.close());

const fields = (body: Record<string, any>) => (body.errors as { field: string }[]).map((e) => e.field).sort();
const DAY = 86_400_000;
/** A call that rang and nobody claimed (no tool call identifies it). */
const ringBare = (id: string, caller = '+15550001111') => t.initiation({ call_sid: id, caller_id: caller, agent_id: 'a', called_number: '+18005550100' });
const tables = () =>
  (t.sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as { name: string }[]).map((r) => r.name);
const count = (sql: string, ...args: unknown[]) => (t.sqlite.prepare(sql).get(...args) as { n: number }).n;

describe('GET /admin/calls', () => {
  it('pages newest first with a cursor that neither repeats nor skips a row while calls keep arriving', async () => {
    // Several calls per instant, so ties on created_at are broken by id.
    for (let i = 0; i < 23; i++) {
      await ringBare(`CP${String(i).padStart(2, '0')}`);
      if (i % 3 === 2) t.clock.advance(1_000);
    }
    const expected = t.sqlite.prepare('select id from calls order by created_at desc, id desc').all().map((r: any) => r.id as string);
    const seen: string[] = [];
    let cursor: string | null = null;
    let extra = 0;
    do {
      const res = await t.admin('GET', `/calls?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.calls.map((c: any) => c.call_id));
      cursor = res.body.next_cursor;
      // New calls, some at the very instant of the page just read.
      await ringBare(`CN${extra++}`);
      t.clock.advance(500);
      await ringBare(`CN${extra++}`);
    } while (cursor);
    expect(seen).toEqual(expected);
  });

  it('filters by status, since and customer, and says what each call is', async () => {
    await ring(t, 'CA1'); // identified as Ada
    t.clock.advance(60_000);
    const since = new Date(t.clock.now()).toISOString();
    await ring(t, 'CA2');
    await t.tool('CA2', 'handoff');
    await ringBare('CB1');

    const byStatus = await t.admin('GET', '/calls?status=handed_off');
    expect(byStatus.body.calls.map((c: any) => c.call_id)).toEqual(['CA2']);
    expect(byStatus.body.next_cursor).toBeNull();
    const bySince = await t.admin('GET', `/calls?since=${encodeURIComponent(since)}`);
    expect(bySince.body.calls.map((c: any) => c.call_id).sort()).toEqual(['CA2', 'CB1']);
    const byCustomer = await t.admin('GET', '/calls?customer=cust_ada');
    expect(byCustomer.body.calls.map((c: any) => c.call_id)).toEqual(['CA2', 'CA1']);
    const all = await t.admin('GET', `/calls?customer=cust_ada&status=pending&since=${encodeURIComponent(new Date(0).toISOString())}`);
    expect(all.body.calls.map((c: any) => c.call_id)).toEqual(['CA1']);
    expect(all.body.calls[0]).toEqual({
      call_id: 'CA1',
      status: 'pending',
      source: 'initiation',
      created_at: expect.any(String),
      updated_at: expect.any(String),
      authenticated_at: null,
      ended_at: null,
      policy: { id: 'default', version: expect.any(Number) },
      risk_signals: expect.objectContaining({ caller_id_unverified: true }),
      successes: {},
      failures: 0,
      customer_id: 'cust_ada',
      identified_by: 'account_ref',
    });
    // A list of calls is no list of phone numbers.
    expect(JSON.stringify((await t.admin('GET', '/calls')).body)).not.toContain(ADA_PHONE.slice(2));
  });

  it.each([
    ['status=open', ['status']],
    ['since=1732352400000', ['since']],
    ['since=2026-11-23T09:00:00', ['since']], // no zone
    ['since=2026-02-31T09:00:00Z', ['since']],
    ['since=2026-02-30T23:00:00%2B14:00', ['since']],
    ['cursor=', ['cursor']],
    ['customer=', ['customer']],
    ['limit=0', ['limit']],
    ['limit=101', ['limit']],
    ['limit=ten', ['limit']],
    ['cursor=bm9wZQ', ['cursor']],
    ['cursor=!!', ['cursor']],
    ['customer=bad%20id', ['customer']],
    ['state=ended', ['state']],
    ['status=x&limit=-1', ['limit', 'status']],
  ])('%s is a 400 naming %j', async (query, expected) => {
    const res = await t.admin('GET', `/calls?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.reason).toBe('invalid_request');
    expect(fields(res.body)).toEqual(expected);
  });
});

describe('no query string produces a 5xx', () => {
  it.each(['/admin/calls', '/admin/customers'])('%s', async (path) => {
    const key = fc.constantFrom('status', 'since', 'customer', 'limit', 'cursor', 'account_ref', 'phone', 'x');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, fc.string()), { maxLength: 4 }), async (pairs) => {
        const res = await t.app.request(`${path}?${new URLSearchParams(pairs)}`, { headers: { authorization: `Bearer ${SECRETS.admin}` } });
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });
});

describe('GET /admin/customers', () => {
  it('finds a customer by account ref or phone and shows what is enrolled, never a secret', async () => {
    await enrolDevice(t, 'cust_ada', 'ada-phone');
    const byRef = await t.admin('GET', '/customers?account_ref=ac%201001%202002');
    expect(byRef.status).toBe(200);
    expect(byRef.body.customers).toEqual([
      {
        customer_id: 'cust_ada',
        display_name: ADA.display_name,
        email: ADA.email,
        phones: [ADA_PHONE],
        account_refs: ['AC10012002'],
        created_at: expect.any(String),
        enrolled: { kba: { basic: 1, advanced: 1 }, totp: true, devices: [{ device_id: 'ada-phone', created_at: expect.any(String) }] },
      },
    ]);
    const byPhone = await t.admin('GET', `/customers?phone=${encodeURIComponent('+1 (415) 555-0142')}`);
    expect(byPhone.body).toEqual(byRef.body);
    // Nothing of the stored secrets or keys.
    const text = JSON.stringify(byRef.body);
    const stored = [
      ...t.sqlite.prepare('select answer_hash as v from kba_answers').all(),
      ...t.sqlite.prepare('select secret_sealed as v from totp_secrets').all(),
      ...t.sqlite.prepare("select json_extract(public_key_jwk, '$.x') as v from devices").all(),
    ].map((r: any) => r.v as string);
    expect(stored).toHaveLength(4);
    for (const v of stored) expect(text).not.toContain(v);
    expect(text).not.toContain(ADA.kba[0]!.question);
    expect((await t.admin('GET', '/customers?account_ref=NOPE-1')).body).toEqual({ customers: [] });
  });

  it.each([
    ['', ['account_ref', 'phone']],
    ['account_ref=AC-1001-2002&phone=%2B14155550142', ['account_ref', 'phone']],
    ['phone=12', ['phone']],
    ['account_ref=x', ['account_ref']],
    ['name=Ada', ['name']],
  ])('%j is a 400 naming %j', async (query, expected) => {
    const res = await t.admin('GET', `/customers?${query}`);
    expect(res.status).toBe(400);
    expect(fields(res.body)).toEqual(expected);
  });
});

describe('DELETE /admin/customers/{id}/devices/{deviceId}', () => {
  it('removes one device of that customer, which can then confirm nothing', async () => {
    const phone = await enrolDevice(t, 'cust_ada', 'ada-phone');
    await enrolDevice(t, 'cust_ada', 'ada-tablet');
    await t.admin('POST', '/customers', { customer_id: 'cust_bob', account_refs: ['BOB-777'] });
    expect((await t.admin('DELETE', '/customers/cust_bob/devices/ada-phone')).status).toBe(404);
    const res = await t.admin('DELETE', '/customers/cust_ada/devices/ada-phone');
    expect(res).toEqual({ status: 200, body: { customer_id: 'cust_ada', device_id: 'ada-phone', status: 'removed' } });
    expect((await t.admin('DELETE', '/customers/cust_ada/devices/ada-phone')).body).toEqual({ success: false, reason: 'unknown_device' });
    const view = await t.admin('GET', '/customers?account_ref=AC-1001-2002');
    expect(view.body.customers[0].enrolled.devices.map((d: any) => d.device_id)).toEqual(['ada-tablet']);
    expect(t.sqlite.prepare("select data from events where type = 'device_removed'").all()).toEqual([
      { data: JSON.stringify({ customer_id: 'cust_ada', device_id: 'ada-phone' }) },
    ]);

    await ring(t, 'CD1');
    const issued = await t.tool('CD1', 'did_issue');
    expect(issued.body.success).toBe(true);
    // A removed device is an unknown one: it gets the decoy nonce, and its confirmation is refused like a bad nonce.
    expect(await phone.confirm(issued.body.did)).toMatchObject({ status: 409, body: { reason: 'nonce_invalid' } });
    expect((await t.tool('CD1', 'status')).body.auth_state.successes).toEqual([]);
  });
});

describe('DELETE /admin/customers/{id}: erasure', () => {
  it('leaves no personal value or secret of the customer in any table, keeps the calls and a pseudonymous trail', async () => {
    const device = await enrolDevice(t, 'cust_ada', 'ada-phone');
    await t.admin('POST', '/customers', { customer_id: 'cust_bob', display_name: 'Bob Byron', phones: ['+15551230000'], account_refs: ['BOB-777'] });
    // A handed-off call, a call with a code and a DID pending, an unclaimed call from Ada's number that probed a wrong account.
    await ring(t, 'CE1');
    await t.tool('CE1', 'kba_question', { level: 'basic' });
    await t.tool('CE1', 'kba_verify', { question_id: 'q_zip', answer: 'wrong' });
    await t.tool('CE1', 'handoff');
    await ring(t, 'CE2');
    expect((await t.tool('CE2', 'otp_send', { channel: 'sms' })).body.success).toBe(true);
    const code = t.lastCode()!;
    const issued = await t.tool('CE2', 'did_issue');
    expect(issued.body.success).toBe(true);
    await ringBare('CE3', ADA_PHONE);
    await t.tool('CE3', 'identify', { account_ref: 'ZZ-404-404' });
    // IVR sessions carry the caller's number (ani) and whatever the IVR attached.
    const ivr = (callId: string, more: Record<string, unknown>) => t.ivr('POST', '/sessions', { provider: 'generic', callId, ani: ADA_PHONE, metadata: { caller_name: ADA.display_name }, ...more });
    expect((await ivr('CE4', { accountRef: 'AC-1001-2002' })).status).toBe(201);
    expect((await ivr('CE5', {})).status).toBe(201);
    await ring(t, 'CB1', '+15551230000', { identify: false });
    await t.tool('CB1', 'identify', { account_ref: 'BOB-777' });

    const secrets = [
      ...t.sqlite.prepare("select answer_hash as v from kba_answers where customer_id = 'cust_ada'").all(),
      ...t.sqlite.prepare("select secret_sealed as v from totp_secrets where customer_id = 'cust_ada'").all(),
      ...t.sqlite.prepare("select json_extract(public_key_jwk, '$.x') as v from devices where customer_id = 'cust_ada'").all(),
      ...t.sqlite.prepare("select destination as v from otp_challenges where customer_id = 'cust_ada'").all(),
      ...t.sqlite.prepare("select code_hash as v from otp_challenges where customer_id = 'cust_ada'").all(),
    ].map((r: any) => r.v as string);
    expect(secrets).toHaveLength(6);
    const personal = [ADA_PHONE, ADA_PHONE.slice(2), ADA.email, ADA.display_name, 'AC10012002', ...ADA.kba.map((k) => k.question), ...ADA.kba.map((k) => k.answer)];
    const dump = () => tables().map((name) => [name, JSON.stringify(t.sqlite.prepare(`select * from ${name}`).all())] as const);
    // The scan can see: before erasure these are there.
    for (const needle of [ADA_PHONE, ADA.email, ADA.display_name, ...secrets]) expect(dump().some(([, text]) => text.includes(needle))).toBe(true);

    // A did_wait held open on the call returns as soon as the erasure cancels its DID.
    const waiting = t.tool('CE2', 'did_wait', { wait_seconds: 20 });
    await new Promise((r) => setTimeout(r, 20));
    const res = await t.admin('DELETE', '/customers/cust_ada');
    expect(res.status).toBe(200);
    expect((await waiting).body).toMatchObject({ success: false, reason: 'canceled' });
    expect(t.eventTypes('CE2')).toContain('canceled');
    expect(res.body).toEqual({
      customer_id: 'cust_ada',
      status: 'erased',
      removed: {
        phones: 1,
        account_refs: 1,
        kba_answers: 2,
        totp: 1,
        devices: 1,
        guess_budgets: expect.any(Number),
        did_sessions_canceled: 2,
        otp_challenges_voided: 1,
        calls_scrubbed: 5,
      },
    });
    for (const [name, text] of dump()) {
      for (const needle of [...personal, ...secrets]) expect(text.includes(needle), `${name} still holds ${needle.slice(0, 4)}…`).toBe(false);
    }
    expect(count("select count(*) as n from guess_budgets where customer_id = 'cust_ada'")).toBe(0);
    // Bob is untouched.
    expect((await t.admin('GET', '/customers?account_ref=BOB-777')).body.customers[0]).toMatchObject({ display_name: 'Bob Byron', phones: ['+15551230000'] });
    expect(count("select count(*) as n from calls where id = 'CB1' and caller_id = '+15551230000'")).toBe(1);

    // The calls stay, with their statuses and timings, and the trail keeps the pseudonymous id.
    const calls = await t.admin('GET', '/calls?customer=cust_ada');
    expect(calls.body.calls.map((c: any) => [c.call_id, c.status])).toEqual([
      ['CE4', 'pending'],
      ['CE2', 'pending'],
      ['CE1', 'handed_off'],
    ]);
    const trail = await t.admin('GET', '/calls/CE1');
    expect(trail.body.auth_state.handoff.summary).toContain('cust_ada');
    const erased = t.sqlite.prepare("select call_id, data from events where type = 'customer_erased'").all() as { call_id: null; data: string }[];
    expect(erased).toHaveLength(1);
    expect(JSON.parse(erased[0]!.data)).toEqual({ customer_id: 'cust_ada', phones: 1, account_refs: 1, kba_answers: 2, totp: 1, devices: 1, calls: 3 });
    expect(t.logs.filter((l) => l.includes('"event":"customer_erased"'))).toHaveLength(1);

    // Nothing of the customer can pass any more: the code, the DID, the device, the answers.
    expect((await t.tool('CE2', 'otp_verify', { code })).body.success).toBe(false);
    expect((await device.confirm(issued.body.did)).status).toBe(404);
    expect((await t.tool('CE2', 'kba_verify', { question_id: 'q_zip', answer: ADA.kba[0]!.answer })).body.success).toBe(false);
    expect((await t.tool('CE2', 'status')).body.auth_state).toMatchObject({ status: 'pending', successes: [] });
    expect(count("select count(*) as n from did_sessions where status = 'canceled'")).toBe(2);
    expect(count("select count(*) as n from did_sessions where status = 'pending'")).toBe(1); // CE5 claimed nobody
    // The phone and account ref find nobody; the id is never given to someone else.
    expect((await t.admin('GET', `/customers?phone=${encodeURIComponent(ADA_PHONE)}`)).body).toEqual({ customers: [] });
    expect((await t.admin('POST', '/customers', { ...ADA, totp: false })).body.reason).toBe('customer_exists');

    // Idempotent.
    expect(await t.admin('DELETE', '/customers/cust_ada')).toEqual({ status: 200, body: { customer_id: 'cust_ada', status: 'already_erased' } });
    expect(count("select count(*) as n from events where type = 'customer_erased'")).toBe(1);
    expect((await t.admin('DELETE', '/customers/nobody')).status).toBe(404);
  });
});

describe('retention', () => {
  /** A call handed off (terminal) now, with a code sent and a DID issued on it. */
  async function terminalCall(id: string) {
    await ring(t, id);
    await t.tool(id, 'otp_send', { channel: 'sms' });
    await t.tool(id, 'did_issue');
    await t.tool(id, 'handoff');
  }

  it('purges old terminal calls with everything recorded about them, in batches; live and recent calls stay', async () => {
    await enrolDevice(t, 'cust_ada', 'ada-phone');
    for (const id of ['CO1', 'CO2', 'CO3', 'CO4', 'CO5']) {
      await terminalCall(id);
      t.clock.advance(200_000); // past the resend cooldown and the per-destination window
    }
    await ringBare('CO6'); // old but still pending: never purged
    t.clock.advance(91 * DAY);
    await terminalCall('CR1'); // recent
    const before = count('select count(*) as n from events');
    const oldEvents = count("select count(*) as n from events where call_id like 'CO%' and call_id != 'CO6'");
    expect(count("select count(*) as n from otp_challenges where call_id like 'CO%'")).toBeGreaterThanOrEqual(1);
    expect(count("select count(*) as n from did_sessions where call_id like 'CO%'")).toBe(5);

    const batches: number[] = [];
    const retention = t.services.retention;
    const counting = { ...t.services, retention: { ...retention, purgeCalls: async (b: number, l: number) => { const r = await retention.purgeCalls(b, l); batches.push(r.calls); return r; } } };
    const totals = await purgeRetired(counting, 90, { batch: 2 });
    expect(batches).toEqual([2, 2, 1]);
    expect(totals).toMatchObject({ calls: 5, events: oldEvents, did_sessions: 5 });
    expect(t.sqlite.prepare('select id from calls order by id').all().map((r: any) => r.id)).toEqual(['CO6', 'CR1']);
    expect(count("select count(*) as n from events where call_id like 'CO%' and call_id != 'CO6'")).toBe(0);
    expect(count("select count(*) as n from otp_challenges where call_id like 'CO%'")).toBe(0);
    expect(count("select count(*) as n from did_sessions where call_id like 'CO%'")).toBe(0);
    expect(count("select count(*) as n from did_sessions where call_id = 'CR1'")).toBe(1);
    expect(count('select count(*) as n from events')).toBe(before - oldEvents + 1);
    const [event] = t.sqlite.prepare("select call_id, data from events where type = 'retention_purged'").all() as { call_id: null; data: string }[];
    expect(event!.call_id).toBeNull();
    expect(JSON.parse(event!.data)).toMatchObject({ calls: 5, events: oldEvents, did_sessions: 5, retention_days: 90 });

    // A second run finds nothing and records nothing; 0 days keeps everything.
    expect(await purgeRetired(t.services, 90)).toMatchObject({ calls: 0, events: 0 });
    expect(count("select count(*) as n from events where type = 'retention_purged'")).toBe(1);
    t.clock.advance(365 * DAY);
    expect(await purgeRetired(t.services, 0)).toBeUndefined();
    expect(count('select count(*) as n from calls')).toBe(2);
  });

  it('purges expired DID nonces older than the retention, not recent ones', async () => {
    const device = await enrolDevice(t, 'cust_ada', 'ada-phone');
    await ring(t, 'CN1');
    const issued = await t.tool('CN1', 'did_issue');
    await device.challenge(issued.body.did);
    t.clock.advance(91 * DAY);
    await ring(t, 'CN2');
    const fresh = await t.tool('CN2', 'did_issue');
    await device.challenge(fresh.body.did);
    expect(count('select count(*) as n from did_nonces')).toBe(2);
    expect(await purgeRetired(t.services, 90)).toMatchObject({ did_nonces: 1 });
    expect(count('select count(*) as n from did_nonces')).toBe(1);
  });
});
