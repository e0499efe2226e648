import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDb } from '../../test/helpers/db.js';
import type { OpenedSqlite } from '../runtime/node/sqlite.js';
import { createCustomerStore, type CustomerStore } from './customers.js';

let t: OpenedSqlite;
let customers: CustomerStore;
const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' };

beforeEach(async () => {
  t = openTestDb();
  customers = createCustomerStore(t.db);
  await customers.create({ id: 'c1', phones: ['+14155550142'], accountRefs: ['AC-1'], kba: [], now: 1 });
});
afterEach(() => t.close());

describe('enrolment hints (next-step choice only)', () => {
  it('reuse a recent read, while enrolment() always reads', async () => {
    expect((await customers.enrolmentHint('c1'))?.devices).toBe(0);
    // Written behind the store's back (another process): the hint may lag, the fresh read does not.
    t.sqlite.prepare(`INSERT INTO devices (id, customer_id, public_key_jwk, created_at) VALUES ('d0', 'c1', '{}', 1)`).run();
    expect((await customers.enrolmentHint('c1'))?.devices).toBe(0);
    expect((await customers.enrolment('c1'))?.devices).toBe(1);
  });

  it('see a change made through the store at once', async () => {
    expect((await customers.enrolmentHint('c1'))?.devices).toBe(0);
    expect(await customers.addDevice({ id: 'd1', customerId: 'c1', publicKeyJwk: jwk, now: 2 })).toBe('created');
    expect((await customers.enrolmentHint('c1'))?.devices).toBe(1);
  });

  it('never remember an unknown customer', async () => {
    expect(await customers.enrolmentHint('c2')).toBeUndefined();
    // Enrolled by another process: an unknown customer was not remembered, so it is seen at once.
    t.sqlite.prepare(`INSERT INTO customers (id, created_at) VALUES ('c2', 1)`).run();
    expect((await customers.enrolmentHint('c2'))?.customerId).toBe('c2');
  });
});
