// A push's expiry through the timers port, on the fake clock: its timer expires it and wakes the
// agent's push_wait without the sweep; an answered push is left as it is, even by a timer run twice.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ring, type TestApp } from '../../../test/helpers/app.js';
import { type PushDevice, pushTestApp } from '../../../test/helpers/push-device.js';
import { PUSH_TTL, sweepExpired } from './challenge.js';

let t: TestApp;
let ada: PushDevice;
beforeEach(async () => {
  ({ t, ada } = await pushTestApp());
});
afterEach(() => t.close());

const status = (id: string) => (t.sqlite.prepare('select status from push_challenges where id = ?').get(id) as { status: string }).status;

describe('the push expiry timer', () => {
  it('expires an unanswered push on time, wakes push_wait, and leaves the sweep nothing', async () => {
    await ring(t, 'PT1');
    expect((await t.tool('PT1', 'push_send')).body.success).toBe(true);
    const c = await ada.challenge();
    const waiting = t.tool('PT1', 'push_wait', { wait_seconds: 20 });
    await vi.waitFor(() => expect(t.services.waker.waiting()).toBeGreaterThan(0));
    t.clock.advance(59_999);
    expect(await t.timers.runDue()).toBe(0);
    t.clock.advance(1);
    expect(await t.timers.runDue()).toBe(1);
    expect(status(c.challenge_id)).toBe('expired');
    expect((await waiting).body).toMatchObject({ success: false, push_status: 'expired', privileged_allowed: false });
    expect(t.eventTypes('PT1').filter((e) => e === 'push_expired')).toHaveLength(1);
    expect(await sweepExpired(t.services)).toBe(0);
  });

  it('leaves an approved push approved, even when its timer runs twice', async () => {
    await ring(t, 'PT2');
    const sent = await t.tool('PT2', 'push_send');
    const c = await ada.challenge();
    expect((await ada.approve(c, sent.body.push_number as string)).body.status).toBe('approved');
    t.clock.advance(60_000);
    await t.timers.runDue();
    t.services.timers.at('PT2', PUSH_TTL, t.clock.now(), c.challenge_id);
    await t.timers.runDue();
    expect(status(c.challenge_id)).toBe('approved');
    expect(t.eventTypes('PT2')).not.toContain('push_expired');
  });
});
