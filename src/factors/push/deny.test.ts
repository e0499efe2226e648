import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ring, type TestApp } from '../../../test/helpers/app.js';
import { type PushDevice, pushTestApp } from '../../../test/helpers/push-device.js';

let t: TestApp;
let ada: PushDevice;

beforeEach(async () => {
  ({ t, ada } = await pushTestApp());
});
afterEach(() => t.close());

const row = (sql: string, ...args: unknown[]) => t.sqlite.prepare(sql).get(...args) as Record<string, any>;

describe('"this wasn\'t me"', () => {
  it('blocks the call for the fraud queue, voids the customer\'s other challenges and pauses pushes', async () => {
    // Another live call of Ada's with a code and a DID outstanding.
    await ring(t, 'OTHER');
    expect((await t.tool('OTHER', 'otp_send', { channel: 'sms' })).body.success).toBe(true);
    expect((await t.tool('OTHER', 'did_issue')).body.success).toBe(true);

    await ring(t, 'FRAUD');
    const sent = await t.tool('FRAUD', 'push_send');
    expect(sent.body.success).toBe(true);
    const waiting = t.tool('FRAUD', 'push_wait', { wait_seconds: 10 });
    await new Promise((r) => setTimeout(r, 30));
    const c = await ada.challenge();
    expect((await ada.deny(c)).body).toEqual({ success: true, status: 'denied' });

    const waited = await waiting;
    expect(waited.body).toMatchObject({ success: false, reason: 'blocked', next_required_step: 'transfer_to_human', privileged_allowed: false });
    expect(waited.body.handoff).toMatchObject({ queue: 'fraud_review', reason: 'blocked', customer_id: 'cust_ada' });
    expect(row('select status from calls where id = ?', 'FRAUD').status).toBe('blocked');
    expect(t.eventTypes('FRAUD')).toEqual(expect.arrayContaining(['push_denied', 'call_blocked', 'handoff']));
    // A fraud-operations team sees the denial and the block on its own log stream.
    for (const event of ['push_denied', 'call_blocked']) {
      expect(t.logs.some((l) => l.includes(`"event":"${event}"`) && l.includes('"stream":"fraud_ops"')), event).toBe(true);
    }

    // The other call's code and DID are void.
    expect(row("select status from otp_challenges where call_id = 'OTHER'").status).toBe('superseded');
    expect(row("select status from did_sessions where call_id = 'OTHER'").status).toBe('canceled');
    expect(t.eventTypes('OTHER')).toContain('canceled');

    // Pushes to Ada pause, durably: a new call is not offered one and cannot send one.
    const pause = row("select until from push_pauses where customer_id = 'cust_ada'");
    expect(pause.until).toBe(t.clock.now() + 86_400_000);
    await ring(t, 'AFTER');
    const next = await t.tool('AFTER', 'status');
    expect(next.body.next_required_step).not.toMatch(/^push_/);
    expect((await t.tool('AFTER', 'push_send')).body).toMatchObject({ success: false, reason: 'push_paused' });
    // A denial is final: the challenge cannot be approved or denied again.
    expect((await ada.deny(c)).body).toMatchObject({ reason: 'not_pending', status: 'denied' });

    // The pause ends with its window.
    t.clock.advance(86_400_001);
    await ring(t, 'LATER');
    expect((await t.tool('LATER', 'status')).body.next_required_step).toBe('push_send');
  });

  it('is a distinct metric', async () => {
    await ring(t, 'M1');
    await t.tool('M1', 'push_send');
    await ada.deny(await ada.challenge());
    const res = await t.app.request('/metrics', { headers: { authorization: 'Bearer test-admin-token' } });
    const text = await res.text();
    expect(text).toMatch(/^callgate_push_denied_total 1$/m);
    expect(text).toMatch(/^callgate_push_sent_total 1$/m);
  });
});

describe('erasure', () => {
  it('removes the push registration and cancels a pending push', async () => {
    await ring(t, 'E1');
    await t.tool('E1', 'push_send');
    expect((await t.admin('DELETE', '/customers/cust_ada')).body.status).toBe('erased');
    expect(row("select count(*) as n from push_devices where customer_id = 'cust_ada'").n).toBe(0);
    expect(row("select status from push_challenges where call_id = 'E1'").status).toBe('canceled');
  });
});
