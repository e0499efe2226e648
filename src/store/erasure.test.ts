// Erasure and retention as store units, on both drivers: better-sqlite3 (one transaction) and
// drizzle's D1 driver (one batch, D1's parameter limit enforced by the stand-in).
import { drizzle } from 'drizzle-orm/d1';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeD1 } from '../../test/helpers/d1.js';
import { openTestDb } from '../../test/helpers/db.js';
import type { OpenedSqlite } from '../runtime/node/sqlite.js';
import { createCallStore } from './calls.js';
import { createCustomerStore } from './customers.js';
import type { Db } from './db.js';
import { eraseCustomer } from './erasure.js';
import { createRetentionStore } from './retention.js';
import * as schema from './schema/index.js';

let t: OpenedSqlite;
afterEach(() => t.close());

const PHONE = '+14155550199';
const DAY = 86_400_000;

async function seed(db: Db) {
  const customers = createCustomerStore(db);
  await customers.create({
    id: 'cust_eve',
    displayName: 'Eve Example',
    email: 'eve@example.com',
    phones: [PHONE],
    accountRefs: ['EVE123'],
    kba: [{ id: 'q1', level: 'basic', question: 'Which street?', answerHash: 'hash-of-answer' }],
    totpSealed: 'sealed-seed',
    now: 1,
  });
  await customers.addDevice({ id: 'eve-phone', customerId: 'cust_eve', publicKeyJwk: { kty: 'EC', crv: 'P-256', x: 'xx', y: 'yy' }, now: 1 });
  const calls = createCallStore(db);
  await calls.ensure({ id: 'C1', source: 'tool', callerId: PHONE, policyId: 'default', policyVersion: 1, customerId: 'cust_eve', now: 1 });
  await calls.ensure({ id: 'C2', source: 'tool', callerId: PHONE, policyId: 'default', policyVersion: 1, now: 2 });
  return customers;
}

const drivers = {
  'better-sqlite3': () => ({ db: t.db as Db, batches: [] as string[][] }),
  d1: () => {
    const batches: string[][] = [];
    return { db: drizzle(fakeD1(t.sqlite, batches) as never, { schema }) as unknown as Db, batches };
  },
};

describe.each(Object.entries(drivers))('on %s', (_name, driver) => {
  it('erases in one unit, once', async () => {
    t = openTestDb();
    const { db, batches } = driver();
    const customers = await seed(db);
    batches.length = 0;
    const first = await customers.erase('cust_eve', 10);
    expect(first).toMatchObject({ first: true, erased: { phones: 1, account_refs: 1, kba_answers: 1, totp: 1, devices: 1, calls_scrubbed: 2 } });
    if (_name === 'd1') expect(batches).toHaveLength(1);
    const dump = JSON.stringify(['customers', 'customer_phones', 'account_refs', 'kba_answers', 'totp_secrets', 'devices', 'calls'].map((n) => t.sqlite.prepare(`select * from ${n}`).all()));
    for (const needle of [PHONE, 'Eve Example', 'eve@example.com', 'EVE123', 'hash-of-answer', 'sealed-seed', 'Which street?']) expect(dump).not.toContain(needle);
    expect((await customers.erase('cust_eve', 11))!.first).toBe(false);
    expect(t.sqlite.prepare("select count(*) as n from events where type = 'customer_erased'").get()).toEqual({ n: 1 });
  });

  it('purges terminal calls in batches', async () => {
    t = openTestDb();
    const { db } = driver();
    const calls = createCallStore(db);
    for (let i = 0; i < 3; i++) {
      await calls.ensure({ id: `T${i}`, source: 'tool', policyId: 'default', policyVersion: 1, now: i });
      await calls.close(`T${i}`, 'handed_off', {}, i);
    }
    await calls.ensure({ id: 'P', source: 'tool', policyId: 'default', policyVersion: 1, now: 0 });
    const retention = createRetentionStore(db);
    expect((await retention.purgeCalls(DAY, 2)).calls).toBe(2);
    expect((await retention.purgeCalls(DAY, 2)).calls).toBe(1);
    expect(t.sqlite.prepare('select id from calls').all()).toEqual([{ id: 'P' }]);
  });
});

describe('erasure is all or nothing', () => {
  it('a failure in the middle of the unit leaves the customer as they were', async () => {
    t = openTestDb();
    await seed(t.db);
    const before = JSON.stringify(t.sqlite.prepare('select * from customers, customer_phones, devices, calls').all());
    await expect(
      eraseCustomer(t.db, 'cust_eve', 10, {
        afterEach: (i) => {
          if (i === 8) throw new Error('crash');
        },
      }),
    ).rejects.toThrow('crash');
    expect(JSON.stringify(t.sqlite.prepare('select * from customers, customer_phones, devices, calls').all())).toBe(before);
    expect(t.sqlite.prepare('select count(*) as n from events').get()).toEqual({ n: 0 });
  });
});
