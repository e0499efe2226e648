import { sql, type SQL } from 'drizzle-orm';
import { REDIRECT_BUCKETS, TIME_TO_VERIFY_BUCKETS } from '../metrics/callgate.js';
import type { Db } from '../store/db.js';

// The console's charts: the numbers behind GET /metrics, over the calls started in a window (the
// last hour or day) instead of all time, in time slots. Two statements, both indexed: one over
// `calls` by calls_created_idx, one over those calls' events by events_call_idx (call_id, type).
// Nothing per call leaves SQL but counts.

/** The span is the slots' total: the current slot (partly over) and the whole ones before it. */
export const WINDOWS = {
  hour: { spanMs: 60 * 60 * 1000, slots: 12, label: 'last hour', slotLabel: '5 min' },
  day: { spanMs: 24 * 60 * 60 * 1000, slots: 24, label: 'last 24 hours', slotLabel: '1 h' },
} as const;
export type WindowName = keyof typeof WINDOWS;

/** Factors whose failure is a wrong code (SMS or e-mail code, authenticator app). */
const CODE_FACTORS = ['otp', 'totp'];

export interface Slot {
  /** Start of the slot, epoch ms. */
  from: number;
  calls: number;
  contained: number;
  /** Calls with an outcome: authenticated, handed off, blocked or ended. */
  decided: number;
  codeChecks: number;
  wrongCodes: number;
  didsIssued: number;
  wrongDids: number;
}

export interface WindowMetrics {
  window: WindowName;
  since: number;
  until: number;
  slots: Slot[];
  /** Non-cumulative counts per bucket: ≤ bound[0], (bound[0], bound[1]], …, and a last one above every bound. */
  timeToVerify: { boundsSeconds: number[]; counts: number[] };
  redirectLatency: { boundsSeconds: number[]; counts: number[] };
}

const num = (v: unknown) => Number(v ?? 0) || 0;

/** `sum(expr <= bound)` per bound, then count(expr): one row per group. */
const buckets = (expr: SQL, boundsMs: number[]): SQL =>
  sql.join([...boundsMs.map((b) => sql`coalesce(sum(${expr} <= ${b}), 0)`), sql`count(${expr})`], sql`, `);

/** Cumulative sums per bound plus a total → counts per bucket, the last one above every bound. */
function toCounts(cumulative: number[], total: number): number[] {
  return [...cumulative.map((c, i) => c - (i === 0 ? 0 : cumulative[i - 1]!)), total - (cumulative.at(-1) ?? 0)];
}

export async function windowMetrics(db: Db, window: WindowName, now: number): Promise<WindowMetrics> {
  const w = WINDOWS[window];
  const slotMs = w.spanMs / w.slots;
  // Slots on the clock (10:35, 10:40…; whole hours for the day), the last one the current one.
  const since = Math.floor(now / slotMs) * slotMs - (w.slots - 1) * slotMs;
  const slotOf = (col: SQL) => sql`min(max(0, (${col} - ${since}) / ${slotMs}), ${w.slots - 1})`;
  const ttvBounds = TIME_TO_VERIFY_BUCKETS.map((s) => s * 1000);
  const redirectBounds = REDIRECT_BUCKETS.map((s) => s * 1000);
  const closed = sql`status IN ('handed_off', 'blocked')`;
  const authed = sql`authenticated_at IS NOT NULL`;
  const ttv = sql`CASE WHEN ${authed} THEN authenticated_at - created_at END`;

  const callRows = await db.values<unknown[]>(sql`
    SELECT CAST(${slotOf(sql`created_at`)} AS INTEGER) AS slot, count(*),
      coalesce(sum(${authed} AND NOT ${closed}), 0),
      coalesce(sum(${authed} OR ${closed} OR status = 'ended'), 0),
      ${buckets(ttv, ttvBounds)}
    FROM calls WHERE created_at >= ${since} AND created_at <= ${now}
    GROUP BY 1`);

  const latency = sql`CASE WHEN type = 'intercept_success' THEN json_extract(data, '$.latency_ms') END`;
  const codes = sql.join(CODE_FACTORS.map((f) => sql`${f}`), sql`, `);
  const eventRows = await db.values<unknown[]>(sql`
    SELECT CAST(${slotOf(sql`at`)} AS INTEGER) AS slot,
      coalesce(sum(type IN ('factor_passed', 'factor_failed') AND json_extract(data, '$.factor') IN (${codes})), 0),
      coalesce(sum(type = 'factor_failed' AND json_extract(data, '$.factor') IN (${codes})), 0),
      coalesce(sum(type = 'did_issued'), 0),
      coalesce(sum(type = 'wrong_did'), 0),
      ${buckets(latency, redirectBounds)}
    FROM events
    WHERE call_id IN (SELECT id FROM calls WHERE created_at >= ${since} AND created_at <= ${now})
      AND type IN ('factor_passed', 'factor_failed', 'did_issued', 'wrong_did', 'intercept_success')
    GROUP BY 1`);

  const slots: Slot[] = Array.from({ length: w.slots }, (_, i) => ({
    from: since + i * slotMs,
    calls: 0,
    contained: 0,
    decided: 0,
    codeChecks: 0,
    wrongCodes: 0,
    didsIssued: 0,
    wrongDids: 0,
  }));
  const ttvCumulative = ttvBounds.map(() => 0);
  let ttvTotal = 0;
  for (const r of callRows) {
    const slot = slots[num(r[0])];
    if (!slot) continue;
    slot.calls += num(r[1]);
    slot.contained += num(r[2]);
    slot.decided += num(r[3]);
    ttvBounds.forEach((_, i) => (ttvCumulative[i]! += num(r[4 + i])));
    ttvTotal += num(r[4 + ttvBounds.length]);
  }
  const redirectCumulative = redirectBounds.map(() => 0);
  let redirectTotal = 0;
  for (const r of eventRows) {
    const slot = slots[num(r[0])];
    if (!slot) continue;
    slot.codeChecks += num(r[1]);
    slot.wrongCodes += num(r[2]);
    slot.didsIssued += num(r[3]);
    slot.wrongDids += num(r[4]);
    redirectBounds.forEach((_, i) => (redirectCumulative[i]! += num(r[5 + i])));
    redirectTotal += num(r[5 + redirectBounds.length]);
  }
  return {
    window,
    since,
    until: now,
    slots,
    timeToVerify: { boundsSeconds: TIME_TO_VERIFY_BUCKETS, counts: toCounts(ttvCumulative, ttvTotal) },
    redirectLatency: { boundsSeconds: REDIRECT_BUCKETS, counts: toCounts(redirectCumulative, redirectTotal) },
  };
}

/** Sums of a window's slots, for the headline numbers. */
export function totals(m: WindowMetrics): Omit<Slot, 'from'> {
  const t = { calls: 0, contained: 0, decided: 0, codeChecks: 0, wrongCodes: 0, didsIssued: 0, wrongDids: 0 };
  for (const s of m.slots) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += s[k];
  return t;
}
