import type { MetricsStore, EventCount, Histogram } from '../store/metrics.js';
import type { Labels, MetricFamily, Sample } from './exposition.js';

// What GET /metrics reports (docs/operations.md lists each metric). Every label value comes
// from a short, code-defined set (statuses, factors, reasons, policy ids); anything else,
// whatever an event holds, is reported as "other" so a label can never carry an identifier.

/** Time-to-verify bounds, seconds: a caller verifying in under a minute is the aim. */
export const TIME_TO_VERIFY_BUCKETS = [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600];
/** Confirm-to-redirect bounds, seconds: a redirect that takes seconds is a control failure. */
export const REDIRECT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

const SAFE_LABEL = /^[a-z][a-z0-9_.-]{0,39}$/i;
// Identifier shapes never become a label: digit runs (numbers, DIDs), long random runs (our ids,
// Twilio SIDs), customer ids.
const ID_LIKE = /\d{4,}|[A-Za-z0-9]{17,}|^(CA[0-9a-f]|cust_)/;

export function labelValue(v: unknown): string {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < 100_000) return String(v);
  if (typeof v !== 'string' || !SAFE_LABEL.test(v) || ID_LIKE.test(v)) return 'other';
  return v;
}

/** Sums rows into one sample per distinct label set. */
function sumBy<T>(rows: T[], labels: (r: T) => Labels, n: (r: T) => number): Sample[] {
  const merged = new Map<string, Sample>();
  for (const r of rows) {
    const l = labels(r);
    const key = JSON.stringify(l);
    const s = merged.get(key) ?? { labels: l, value: 0 };
    s.value += n(r);
    merged.set(key, s);
  }
  return [...merged.values()];
}

/** One event type's counts; an unlabelled counter reads 0 before its first event, so rate() works. */
function counts(rows: EventCount[], type: string, labels?: (r: EventCount) => Labels): Sample[] {
  const out = sumBy(rows.filter((r) => r.type === type), labels ?? (() => ({})), (r) => Number(r.n));
  if (out.length === 0 && !labels) out.push({ value: 0 });
  return out;
}

/** An unlabelled event count, reported under a fixed label (e.g. breaker="sms"). */
const as = (samples: Sample[], labels: Labels): Sample[] => samples.map((s) => ({ labels, value: s.value }));

const toSeconds = (h: Histogram, msPerUnit: number) => ({ cumulative: h.cumulative, count: h.count, sum: h.sum / msPerUnit });

export async function collect(store: MetricsStore, now: number): Promise<MetricFamily[]> {
  const [events, calls, ttv, redirect, did, otp, locked] = await Promise.all([
    store.eventCounts(),
    store.callCounts(),
    store.timeToVerify(TIME_TO_VERIFY_BUCKETS.map((s) => s * 1000)),
    store.redirectLatency(REDIRECT_BUCKETS.map((s) => s * 1000)),
    store.didSessions(),
    store.otpChallenges(),
    store.lockedBudgets(now),
  ]);

  const sumCalls = (pred: (r: (typeof calls)[number]) => boolean) => calls.filter(pred).reduce((n, r) => n + Number(r.n), 0);
  const authed = (r: (typeof calls)[number]) => Number(r.authed) === 1;
  const closed = (r: (typeof calls)[number]) => r.status === 'handed_off' || r.status === 'blocked';
  const contained = sumCalls((r) => authed(r) && !closed(r));
  const decided = sumCalls((r) => authed(r) || closed(r) || r.status === 'ended');

  const family = (name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]): MetricFamily => ({ name, type, help, samples });
  return [
    family('callgate_calls_created_total', 'counter', 'Calls started (stored auth states).', [{ value: sumCalls(() => true) }]),
    family('callgate_calls', 'gauge', 'Stored calls by current status.', sumBy(calls, (r) => ({ status: labelValue(r.status) }), (r) => Number(r.n))),
    family('callgate_calls_authenticated_total', 'counter', 'Calls that reached authenticated (whatever happened after).', [{ value: sumCalls(authed) }]),
    family('callgate_calls_handed_off_total', 'counter', 'Calls handed off to a human, by handoff reason.', sumBy(calls.filter((r) => r.status === 'handed_off'), (r) => ({ reason: labelValue(r.reason) }), (r) => Number(r.n))),
    family('callgate_calls_blocked_total', 'counter', 'Calls blocked by policy.', [{ value: sumCalls((r) => r.status === 'blocked') }]),
    family('callgate_calls_abandoned_total', 'counter', 'Calls that ended without ever being authenticated, handed off or blocked.', [
      { value: sumCalls((r) => r.status === 'ended' && !authed(r)) },
    ]),
    family('callgate_calls_contained', 'gauge', 'Calls authenticated and never handed off or blocked.', [{ value: contained }]),
    family('callgate_containment_ratio', 'gauge', 'Contained calls over calls with an outcome (authenticated, handed off, blocked or ended); NaN before any.', [
      { value: decided === 0 ? NaN : contained / decided },
    ]),
    {
      name: 'callgate_time_to_verify_seconds',
      type: 'histogram',
      help: 'Seconds from call start to authenticated, per authenticated call.',
      buckets: TIME_TO_VERIFY_BUCKETS,
      series: [toSeconds(ttv, 1000)],
    },
    family('callgate_factor_attempts_total', 'counter', 'Factor checks by factor and outcome (passed, failed).', [
      ...counts(events, 'factor_passed', (r) => ({ factor: labelValue(r.a), outcome: 'passed' })),
      ...counts(events, 'factor_failed', (r) => ({ factor: labelValue(r.a), outcome: 'failed' })),
    ]),
    family('callgate_wrong_code_bursts_total', 'counter', 'Calls that crossed the policy wrong-code burst threshold.', counts(events, 'wrong_code_burst')),
    family('callgate_otp_sent_total', 'counter', 'One-time codes sent, by channel.', counts(events, 'otp_sent', (r) => ({ channel: labelValue(r.a) }))),
    family('callgate_otp_sends_refused_total', 'counter', 'Code sends refused by a cross-call limit, by limit and channel.', counts(events, 'otp_send_refused', (r) => ({ limit: labelValue(r.a), channel: labelValue(r.b) }))),
    family('callgate_otp_challenges', 'gauge', 'Stored one-time-code challenges by channel and status.', sumBy(otp, (r) => ({ channel: labelValue(r.channel), status: labelValue(r.status) }), (r) => Number(r.n))),
    family('callgate_budget_locks_total', 'counter', 'Guess budgets locked, by factor family.', counts(events, 'budget_locked', (r) => ({ family: labelValue(r.a) }))),
    family('callgate_budgets_locked', 'gauge', 'Guess budgets locked right now, by factor family.', sumBy(locked, (r) => ({ family: labelValue(r.family) }), (r) => Number(r.n))),
    family('callgate_breaker_trips_total', 'counter', 'Service-wide breakers tripped: sms (SMS ceiling), probe (identify failures).', [
      ...as(counts(events, 'sms_breaker_tripped'), { breaker: 'sms' }),
      ...as(counts(events, 'probe_breaker_tripped'), { breaker: 'probe' }),
    ]),
    family('callgate_did_issued_total', 'counter', 'Dynamic Identifier sessions issued.', counts(events, 'did_issued')),
    family('callgate_did_resolved_total', 'counter', 'Dynamic Identifier sessions resolved, by outcome (confirmed, timeout, canceled).', [
      ...as(counts(events, 'confirmed'), { outcome: 'confirmed' }),
      ...as(counts(events, 'timeout'), { outcome: 'timeout' }),
      ...as(counts(events, 'canceled'), { outcome: 'canceled' }),
    ]),
    family('callgate_did_wrong_total', 'counter', 'Wrong DIDs entered in a device.', counts(events, 'wrong_did')),
    family('callgate_did_sessions', 'gauge', 'Stored Dynamic Identifier sessions by status.', sumBy(did, (r) => ({ status: labelValue(r.status) }), (r) => Number(r.n))),
    family('callgate_intercepts_total', 'counter', 'Redirects of a confirmed live call, by outcome (success, failure).', [
      ...as(counts(events, 'intercept_success'), { outcome: 'success' }),
      ...as(counts(events, 'intercept_failed'), { outcome: 'failure' }),
    ]),
    {
      name: 'callgate_confirm_to_redirect_seconds',
      type: 'histogram',
      help: 'Seconds from a DID confirmation to the live call redirected, per successful intercept.',
      buckets: REDIRECT_BUCKETS,
      series: [toSeconds(redirect, 1000)],
    },
    family('callgate_push_sent_total', 'counter', 'Push approvals sent to a device.', counts(events, 'push_sent')),
    family('callgate_push_refused_total', 'counter', 'Pushes refused by a limit, by reason (push_paused, push_pending, rate_limited).', counts(events, 'push_refused', (r) => ({ reason: labelValue(r.a) }))),
    family('callgate_push_resolved_total', 'counter', 'Push approvals resolved, by outcome (approved, wrong_number, denied, expired, canceled).', [
      ...as(counts(events, 'push_approved'), { outcome: 'approved' }),
      ...as(counts(events, 'push_wrong_number'), { outcome: 'wrong_number' }),
      ...as(counts(events, 'push_denied'), { outcome: 'denied' }),
      ...as(counts(events, 'push_expired'), { outcome: 'expired' }),
      ...as(counts(events, 'push_canceled'), { outcome: 'canceled' }),
    ]),
    family('callgate_push_denied_total', 'counter', 'Pushes the device answered "this wasn\'t me" (each blocks its call).', counts(events, 'push_denied')),
    family('callgate_screen_results_total', 'counter', 'Fraud-screen results, by risk.', counts(events, 'screen_result', (r) => ({ risk: labelValue(r.a) }))),
    family('callgate_policy_decisions_total', 'counter', 'Policy evaluations recorded, by policy id, version and outcome.', counts(events, 'policy_decision', (r) => ({
      policy: labelValue(r.a),
      version: labelValue(r.b),
      outcome: labelValue(r.c),
    }))),
  ];
}
