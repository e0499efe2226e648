import { afterEach, describe, expect, it } from 'vitest';
import { openTestDb } from '../../test/helpers/db.js';
import { createBudgetStore, createCounterStore, COUNTER_RETENTION_MS } from './budgets.js';

let db = openTestDb();
afterEach(() => {
  db.close();
  db = openTestDb();
});

const RULE = { maxFailures: 3, windowMs: 60_000, maxConsecutive: 5, lockMs: 3_600_000 };

describe('guess budgets', () => {
  it('takes at most max_failures in a window, locking with the guess that reaches it', async () => {
    const b = createBudgetStore(db.db);
    const taken = [];
    for (let i = 0; i < 5; i++) taken.push(await b.take('c1', 'code', RULE, 1000));
    expect(taken.map((r) => r?.windowFailures)).toEqual([1, 2, 3, undefined, undefined]);
    expect(taken[2]!.lockedUntil).toBe(1000 + 60_000);
    // Another customer, another family: untouched.
    expect((await b.take('c2', 'code', RULE, 1000))?.windowFailures).toBe(1);
    expect((await b.take('c1', 'knowledge', RULE, 1000))?.windowFailures).toBe(1);
    // The window's end lifts the lock by itself, and the first guess after it reports the lock ended.
    const after = await b.take('c1', 'code', RULE, 61_000);
    expect(after).toMatchObject({ windowFailures: 1, consecutive: 4, endedLock: 61_000 });
  });

  const row = (family: string) => db.sqlite.prepare("select window_failures windowFailures, consecutive, locked_until lockedUntil from guess_budgets where customer_id = 'c1' and family = ?").get(family);

  it('a right guess gives its guess back and resets the consecutive count; a non-guess undoes only itself', async () => {
    const b = createBudgetStore(db.db);
    await b.take('c1', 'did', RULE, 0);
    const second = (await b.take('c1', 'did', RULE, 0))!;
    await b.refund('c1', 'did', second, 0);
    expect(row('did')).toMatchObject({ windowFailures: 1, consecutive: 1 });
    await b.take('c1', 'did', RULE, 0);
    await b.giveBack('c1', 'did', 0);
    expect(row('did')).toMatchObject({ windowFailures: 1, consecutive: 0, lockedUntil: 0 });
  });

  it('locked() lists the families locked now', async () => {
    const b = createBudgetStore(db.db);
    for (let i = 0; i < 3; i++) await b.take('c1', 'knowledge', RULE, 0);
    expect([...(await b.locked('c1', 1))]).toEqual(['knowledge']);
    expect((await b.locked('c1', 60_001)).size).toBe(0);
  });
});

describe('durable counters', () => {
  it('count while under the limit, refuse past it, start over with a new window', async () => {
    const c = createCounterStore(db.db);
    const counts = [];
    for (let i = 0; i < 4; i++) counts.push(await c.take('k', 3, 1000, 0));
    expect(counts).toEqual([1, 2, 3, undefined]);
    expect(await c.exhausted('k', 3, 1000, 999)).toBe(true);
    expect(await c.exhausted('k', 3, 1000, 1000)).toBe(false);
    expect(await c.take('k', 3, 1000, 1000)).toBe(1);
  });

  it('sweep drops only counters whose window started before the cut-off', async () => {
    const c = createCounterStore(db.db);
    await c.take('old', 1, 1000, 0);
    await c.take('new', 1, 1000, COUNTER_RETENTION_MS);
    await c.sweep(COUNTER_RETENTION_MS - 1);
    const keys = db.sqlite.prepare('select key from limit_counters order by key').all();
    expect(keys).toEqual([{ key: 'new' }]);
  });
});
