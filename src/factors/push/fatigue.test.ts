import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ring, type TestApp } from '../../../test/helpers/app.js';
import { pushTestApp } from '../../../test/helpers/push-device.js';

let t: TestApp;

beforeEach(async () => {
  ({ t } = await pushTestApp());
});
afterEach(() => t.close());

const count = () => (t.sqlite.prepare("select count(*) as n from push_challenges where customer_id = 'cust_ada'").get() as { n: number }).n;

describe('push fatigue', () => {
  it('an attacker calling again and again gets 3 pushes to the customer in 15 minutes, then none', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 7; i++) {
      await ring(t, `F${i}`);
      const sent = await t.tool(`F${i}`, 'push_send');
      answers.push(sent.body.reason);
      // The attacker gives up on each push (or it times out) and tries again.
      if (sent.body.success) await t.tool(`F${i}`, 'push_cancel');
      t.clock.advance(20_000);
    }
    expect(answers).toEqual(['ok', 'ok', 'ok', ...Array(4).fill('rate_limited')]);
    expect(count()).toBe(3);
    // Offers stop too: the next step is another factor, never a push that would be refused.
    await ring(t, 'F-next');
    expect((await t.tool('F-next', 'status')).body.next_required_step).toBe('otp_send');
    // The window slides: 15 minutes after the first push, one more may go.
    t.clock.advance(900_000 - 140_000 + 1);
    expect((await t.tool('F-next', 'push_send')).body.reason).toBe('ok');
  });

  it('no new push while one is pending, whichever call asks; concurrent sends make one push', async () => {
    await ring(t, 'A');
    await ring(t, 'B');
    const sends = await Promise.all(Array.from({ length: 20 }, (_, i) => t.tool(i % 2 ? 'A' : 'B', 'push_send')));
    expect(count()).toBe(1);
    const pendingOn = (t.sqlite.prepare('select call_id from push_challenges').get() as { call_id: string }).call_id;
    const other = pendingOn === 'A' ? 'B' : 'A';
    for (const s of sends) expect(s.body.reason).toBe(s.body.auth_state.call_id === pendingOn ? 'ok' : 'push_pending');
    // Every answer on the winning call names the same push.
    expect(new Set(sends.filter((s) => s.body.success).map((s) => s.body.push_number)).size).toBe(1);
    expect((await t.tool(other, 'status')).body.next_required_step).not.toMatch(/^push_/);
  });

  it('at most max_per_call pushes on one call', async () => {
    await ring(t, 'C');
    expect((await t.tool('C', 'push_send')).body.reason).toBe('ok');
    t.clock.advance(61_000); // expired
    expect((await t.tool('C', 'push_wait', { wait_seconds: 1 })).body.reason).toBe('expired');
    expect((await t.tool('C', 'push_send')).body.reason).toBe('ok');
    await t.tool('C', 'push_cancel');
    expect((await t.tool('C', 'push_send')).body.reason).toBe('rate_limited');
  });
});

describe('an overdue push', () => {
  it('nobody read does not hold the customer: another call may send once it is past its TTL', async () => {
    await ring(t, 'O1');
    await ring(t, 'O2');
    expect((await t.tool('O1', 'push_send')).body.reason).toBe('ok');
    expect((await t.tool('O2', 'push_send')).body.reason).toBe('push_pending');
    t.clock.advance(61_000);
    expect((await t.tool('O2', 'push_send')).body.reason).toBe('ok');
    expect((t.sqlite.prepare("select status from push_challenges where call_id = 'O1'").get() as { status: string }).status).toBe('expired');
  });
});
