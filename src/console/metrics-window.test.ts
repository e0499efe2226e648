import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrolAda, enrolDevice, makeTestApp, ring, type TestApp } from '../../test/helpers/app.js';
import { barChart, bucketLabels } from './charts.js';
import { totals, windowMetrics } from './metrics-window.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
  await enrolAda(t);
});
afterEach(() => t.close());

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('windowed metrics', () => {
  it('are all zero, in every slot, on an empty database', async () => {
    const m = await windowMetrics(t.db, 'hour', t.clock.now());
    expect(m.slots).toHaveLength(12);
    expect(totals(m)).toEqual({ calls: 0, contained: 0, decided: 0, codeChecks: 0, wrongCodes: 0, didsIssued: 0, wrongDids: 0 });
    expect(m.timeToVerify.counts).toEqual(new Array(13).fill(0));
    expect(m.redirectLatency.counts).toEqual(new Array(9).fill(0));
    expect((await windowMetrics(t.db, 'day', t.clock.now())).slots).toHaveLength(24);
  });

  it('count the calls started in the window and their events, slot by slot', async () => {
    const ada = await enrolDevice(t, 'cust_ada', 'ada-phone');
    // Two hours ago: in the day, not in the hour.
    await ring(t, 'OLD');
    await t.tool('OLD', 'handoff');
    t.clock.advance(2 * 3_600_000);

    // Authenticated after one wrong code, 12 s after it started: contained, time to verify ≤ 15 s.
    await ring(t, 'A');
    await t.tool('A', 'otp_send', { channel: 'sms' });
    const code = t.lastCode()!;
    await t.tool('A', 'otp_verify', { code: code === '111111' ? '222222' : '111111' });
    t.clock.advance(12_000);
    await t.tool('A', 'otp_verify', { code });
    // Handed off: an outcome, not contained.
    await ring(t, 'B');
    await t.tool('B', 'handoff');
    // Still pending: no outcome yet. A DID issued, a wrong one typed while it waits, then confirmed.
    await ring(t, 'C', '+19995550000', { identify: false });
    const issued = await t.tool('C', 'did_issue');
    expect(issued.body.success).toBe(true);
    await t.tool('C', 'identify', { account_ref: 'AC-1001-2002' });
    expect((await ada.challenge(issued.body.did === '000000' ? '000001' : '000000')).status).toBe(404);
    expect((await ada.confirm(issued.body.did)).status).toBe(200);
    // A redirect 120 ms after a confirmation (as an intercept of a Twilio call records it).
    await t.services.events.append('C', 'intercept_success', t.clock.now(), { session_id: 'did_x', latency_ms: 120 });

    const now = t.clock.now();
    const hour = await windowMetrics(t.db, 'hour', now);
    expect(totals(hour)).toEqual({ calls: 3, contained: 2, decided: 3, codeChecks: 2, wrongCodes: 1, didsIssued: 1, wrongDids: 1 });
    expect(hour.timeToVerify.counts[bucketLabels(hour.timeToVerify.boundsSeconds).indexOf('≤15s')]).toBe(1);
    expect(sum(hour.timeToVerify.counts)).toBe(2); // A and C (the device confirmation authenticated C)
    expect(hour.redirectLatency.counts[bucketLabels(hour.redirectLatency.boundsSeconds).indexOf('≤250ms')]).toBe(1);
    // Everything happened in the last slot of the hour.
    expect(hour.slots.at(-1)!.calls).toBe(3);
    expect(sum(hour.slots.slice(0, -1).map((s) => s.calls))).toBe(0);

    const day = await windowMetrics(t.db, 'day', now);
    expect(totals(day)).toMatchObject({ calls: 4, decided: 4, contained: 2 });
    expect(day.slots[day.slots.length - 3]!.calls).toBe(1); // OLD, two hours before the last slot
  });
});

describe('SVG bar charts', () => {
  it('draw an empty chart without NaN, and gaps for bars with nothing to divide', () => {
    const svg = String(barChart({ id: 'x', title: 'Empty', bars: [{ label: 'a', value: 0, detail: '0' }, { label: 'b', value: null, detail: 'none' }] }));
    expect(svg).toContain('<svg ');
    expect(svg).toContain('no data in this window');
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    expect(svg.match(/<rect class="value"/g)).toHaveLength(1);
    expect(svg.match(/<rect class="gap"/g)).toHaveLength(1);
    expect(String(barChart({ id: 'y', title: 'None at all', bars: [] }))).not.toMatch(/NaN|Infinity/);
  });

  it('scale bars to the axis and escape every label', () => {
    const svg = String(
      barChart({ id: 'z', title: '<b>t</b>', yMax: 1, bars: [{ label: '<i>', value: 0.5, detail: '"x"' }, { label: 'full', value: 2, detail: 'over' }] }),
    );
    const heights = [...svg.matchAll(/<rect class="value"[^>]* height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights[0]! * 2).toBeCloseTo(heights[1]!, 0); // 0.5 is half of a bar clipped at yMax 1
    expect(svg).not.toContain('<b>');
    expect(svg).not.toContain('<i>');
    expect(svg).toContain('&lt;i&gt;');
    expect(svg).not.toContain('no data in this window');
  });
});
