import { sql, type SQL } from 'drizzle-orm';
import type { Db } from './db.js';

// The aggregates behind GET /metrics, read from durable state so that every process (and every
// Workers isolate) answers the same totals. Each query is one GROUP BY over a table; nothing
// per call leaves SQL but counts.

/** The event types /metrics counts, and the two `data` fields each is broken down by. */
const EVENT_LABELS: Record<string, [string | null, string | null, string | null]> = {
  factor_passed: ['$.factor', null, null],
  factor_failed: ['$.factor', null, null],
  did_issued: [null, null, null],
  confirmed: [null, null, null],
  timeout: [null, null, null],
  canceled: [null, null, null],
  wrong_did: [null, null, null],
  intercept_success: [null, null, null],
  intercept_failed: [null, null, null],
  budget_locked: ['$.family', null, null],
  otp_sent: ['$.channel', null, null],
  otp_send_refused: ['$.limit', '$.channel', null],
  sms_breaker_tripped: [null, null, null],
  probe_breaker_tripped: [null, null, null],
  wrong_code_burst: [null, null, null],
  screen_result: ['$.risk', null, null],
  push_sent: [null, null, null],
  push_refused: ['$.reason', null, null],
  push_approved: [null, null, null],
  push_wrong_number: [null, null, null],
  push_denied: [null, null, null],
  push_expired: [null, null, null],
  push_canceled: [null, null, null],
  policy_decision: ['$.policy.id', '$.policy.version', '$.outcome'],
};
export const COUNTED_EVENTS = Object.keys(EVENT_LABELS);

export interface EventCount {
  type: string;
  a: string | null;
  b: string | null;
  c: string | null;
  n: number;
}

export interface CallCount {
  status: string;
  /** The handoff packet's reason (handed_off and blocked calls). */
  reason: string | null;
  /** 1 when the call was ever authenticated (authenticated_at set). */
  authed: number;
  n: number;
}

export interface Histogram {
  /** Observations at or below each bound, cumulative. */
  cumulative: number[];
  count: number;
  sum: number;
}

const labelCase = (slot: 0 | 1 | 2): SQL => {
  const arms = Object.entries(EVENT_LABELS)
    .filter(([, paths]) => paths[slot] !== null)
    .map(([type, paths]) => sql`WHEN ${type} THEN json_extract(data, ${paths[slot]})`);
  return sql`CASE type ${sql.join(arms, sql` `)} END`;
};

/** `sum(expr <= bound)` per bound, then count and sum: one row, whatever the table's size. */
const bucketColumns = (expr: SQL, bounds: number[]): SQL =>
  sql.join([...bounds.map((b) => sql`coalesce(sum(${expr} <= ${b}), 0)`), sql`count(*)`, sql`coalesce(sum(${expr}), 0)`], sql`, `);

function toHistogram(row: unknown[] | undefined, bounds: number[]): Histogram {
  const r = (row ?? []).map((v) => Number(v ?? 0));
  return { cumulative: bounds.map((_, i) => r[i] ?? 0), count: r[bounds.length] ?? 0, sum: r[bounds.length + 1] ?? 0 };
}

export function createMetricsStore(db: Db) {
  return {
    /** Events of the counted types, grouped by type and their label fields. */
    async eventCounts(): Promise<EventCount[]> {
      const types = sql.join(COUNTED_EVENTS.map((t) => sql`${t}`), sql`, `);
      // A wrong DID is written once per device attempt (call_id NULL) and once more per call it
      // counted against: count the attempts.
      return db.all<EventCount>(sql`
        SELECT type, ${labelCase(0)} AS a, ${labelCase(1)} AS b, ${labelCase(2)} AS c, count(*) AS n
        FROM events
        WHERE type IN (${types}) AND NOT (type = 'wrong_did' AND call_id IS NOT NULL)
        GROUP BY 1, 2, 3, 4`);
    },

    async callCounts(): Promise<CallCount[]> {
      return db.all<CallCount>(sql`
        SELECT status, json_extract(handoff, '$.reason') AS reason, authenticated_at IS NOT NULL AS authed, count(*) AS n
        FROM calls GROUP BY 1, 2, 3`);
    },

    /** authenticated_at − created_at of every authenticated call, in ms, bucketed at `boundsMs`. */
    async timeToVerify(boundsMs: number[]): Promise<Histogram> {
      const d = sql`(authenticated_at - created_at)`;
      const rows = await db.values<unknown[]>(sql`SELECT ${bucketColumns(d, boundsMs)} FROM calls WHERE authenticated_at IS NOT NULL`);
      return toHistogram(rows[0], boundsMs);
    },

    /** The confirm-to-redirect latency (`latency_ms`) of every successful intercept. */
    async redirectLatency(boundsMs: number[]): Promise<Histogram> {
      const v = sql`json_extract(data, '$.latency_ms')`;
      // Through the calls whose session was redirected: events_call_idx (call_id, type) then finds
      // their intercept events without scanning the whole trail.
      const rows = await db.values<unknown[]>(sql`
        SELECT ${bucketColumns(v, boundsMs)} FROM events
        WHERE call_id IN (SELECT call_id FROM did_sessions WHERE intercept_status = 'succeeded')
          AND type = 'intercept_success' AND ${v} IS NOT NULL`);
      return toHistogram(rows[0], boundsMs);
    },

    async didSessions(): Promise<{ status: string; n: number }[]> {
      return db.all(sql`SELECT status, count(*) AS n FROM did_sessions GROUP BY 1`);
    },

    async otpChallenges(): Promise<{ channel: string; status: string; n: number }[]> {
      return db.all(sql`SELECT channel, status, count(*) AS n FROM otp_challenges GROUP BY 1, 2`);
    },

    /** Guess budgets locked at `now`, by family. */
    async lockedBudgets(now: number): Promise<{ family: string; n: number }[]> {
      return db.all(sql`SELECT family, count(*) AS n FROM guess_budgets WHERE locked_until > ${now} GROUP BY 1`);
    },
  };
}

export type MetricsStore = ReturnType<typeof createMetricsStore>;
