// The screen deadline through the timers port: set when the call opens, it makes the call
// screen_unavailable on time and decides at once; on a call already closed it does nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { policyFor } from '../../kernel/index.js';
import { makeTestApp, ring, type TestApp } from '../../../test/helpers/app.js';
import { applyScreenResult, checkScreenDeadline, screenDeadlineDue } from './screen.js';

let t: TestApp;
afterEach(() => t.close());

const decisions = (callId: string) =>
  (t.sqlite.prepare("select data from events where call_id = ? and type = 'policy_decision' order by id").all(callId) as { data: string }[]).map(
    (r) => JSON.parse(r.data) as { trigger: string; tier: string },
  );

describe('the screen deadline timer', () => {
  it('fires screen_unavailable on a live call nobody asks about, once, and raises the tier at once', async () => {
    t = await makeTestApp({ screen: { webhookSecret: 'voxeq-secret-0123456789abcdef0123' } });
    await ring(t, 'CA-st-1', '+14155550170');
    expect(t.timers.pending()).toBe(1);
    t.clock.advance(7_999);
    expect(await t.timers.runDue()).toBe(0);
    t.clock.advance(1);
    expect(await t.timers.runDue()).toBe(1);
    expect(t.eventTypes('CA-st-1').filter((e) => e === 'screen_unavailable')).toHaveLength(1);
    expect(decisions('CA-st-1').filter((d) => d.trigger === 'screen_deadline')).toMatchObject([{ tier: 'medium' }]);
    // The next request's check finds it done: no second event.
    await t.tool('CA-st-1', 'status');
    t.services.timers.at('CA-st-1', 'screen_deadline', t.clock.now(), 'CA-st-1');
    await t.timers.runDue();
    expect(t.eventTypes('CA-st-1').filter((e) => e === 'screen_unavailable')).toHaveLength(1);
  });

  it('leaves a call answered when the result lands between the deadline read and its write', async () => {
    t = await makeTestApp({ screen: { webhookSecret: 'voxeq-secret-0123456789abcdef0123' } });
    await ring(t, 'CA-st-4', '+14155550173');
    t.clock.advance(8_000);
    const stale = (await t.services.calls.get('CA-st-4'))!; // read by the deadline's check: unanswered
    await applyScreenResult(t.services, { call_id: 'CA-st-4', risk: 'clear', watch_list: false, synthetic_voice: false, profile_mismatch: false, poor_audio: false });
    const after = await checkScreenDeadline(t.services, stale, policyFor(t.services, stale), t.clock.now());
    expect(after.signals).toMatchObject({ screen_clear: true, screen_unavailable: false });
    expect(t.eventTypes('CA-st-4')).not.toContain('screen_unavailable');
  });

  it('decides once when a request reaches the deadline before the timer does', async () => {
    t = await makeTestApp({ screen: { webhookSecret: 'voxeq-secret-0123456789abcdef0123' } });
    await ring(t, 'CA-st-5', '+14155550175');
    t.clock.advance(8_000);
    const stale = (await t.services.calls.get('CA-st-5'))!; // the timer's read, before the request
    await t.tool('CA-st-5', 'status'); // the request's check raises screen_unavailable and decides
    const before = decisions('CA-st-5').length;
    // The timer read the call before the request's write; every later read sees the row as it is.
    let first = true;
    const calls = { ...t.services.calls, get: async (id: string) => (first ? ((first = false), stale) : t.services.calls.get(id)) };
    await screenDeadlineDue({ ...t.services, calls }, stale.id, t.clock.now());
    expect(decisions('CA-st-5')).toHaveLength(before);
    expect(t.eventTypes('CA-st-5').filter((e) => e === 'screen_unavailable')).toHaveLength(1);
  });

  it('does nothing on a call that closed before its deadline', async () => {
    t = await makeTestApp({ screen: { webhookSecret: 'voxeq-secret-0123456789abcdef0123' } });
    await ring(t, 'CA-st-2', '+14155550171');
    await t.tool('CA-st-2', 'handoff');
    const before = t.eventTypes('CA-st-2');
    t.clock.advance(8_000);
    expect(await t.timers.runDue()).toBe(1);
    expect(t.eventTypes('CA-st-2')).toEqual(before);
  });

  it('is not set on a call the per-caller-ID cap closes at once (a flood costs no timer)', async () => {
    t = await makeTestApp({ screen: { webhookSecret: 'voxeq-secret-0123456789abcdef0123' } });
    for (let i = 0; i < 10; i++) await ring(t, `CA-flood-${i}`, '+14155550174');
    expect(t.timers.pending()).toBe(10);
    await ring(t, 'CA-flood-10', '+14155550174');
    expect((await t.services.calls.get('CA-flood-10'))!.status).toBe('handed_off');
    expect(t.timers.pending()).toBe(10);
  });

  it('is not set when no screen is wired in', async () => {
    t = await makeTestApp();
    await ring(t, 'CA-st-3', '+14155550172');
    expect(t.timers.pending()).toBe(0);
  });
});
