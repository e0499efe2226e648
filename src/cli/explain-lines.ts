// What `npm run policy -- explain` prints for a call, line by line: the gate's answer per tool,
// one line per audit event, and the one-sentence summary.
import { evaluate, type Decision, type Policy } from '../policy/index.js';
import type { EventRow } from '../store/events.js';
import type { CallRow } from '../store/schema/calls.js';
import { refusalReason } from '../orchestrator/gate.js';

/** What the privileged-tool gate would answer if the tool were asked for now. */
export interface ToolOutcome {
  tool: string;
  /** The policy's `actions` entry; null when the policy has none for it (tier threshold only). */
  rule: { require?: number; max_age_seconds?: number } | null;
  allowed: boolean;
  /** `ok` or the gate's refusal reason. */
  reason: 'ok' | 'ended' | 'blocked' | 'not_authenticated' | 'step_up_required';
  required: number;
  counted: string[];
  /** Successes that count for the tier but are too old for this tool. */
  stale: string[];
}

export const iso = (ms: number | null | undefined) => (typeof ms === 'number' ? new Date(ms).toISOString() : null);

/** "+12.3 s" after the call was created. */
export const rel = (at: number, start: number) => `+${((at - start) / 1000).toFixed(1)} s`;

export const list = (xs: readonly unknown[] | undefined) => (xs && xs.length > 0 ? xs.join(', ') : '—');

export function gateOutcome(call: CallRow, policy: Policy, tool: string, now: number, tierDecision: Decision): ToolOutcome {
  const d = evaluate(policy, call.signals, call.successes, { now, action: tool });
  const reason: ToolOutcome['reason'] = refusalReason(call, d, tierDecision) ?? 'ok';
  return {
    tool,
    rule: policy.actions[tool] ?? null,
    allowed: reason === 'ok',
    reason,
    required: d.required,
    counted: d.counted,
    stale: tierDecision.counted.filter((f) => !d.counted.includes(f)),
  };
}

/** One line per audit event that shows how the call went (factors, gates, handoffs). */
export function describeEvent(e: EventRow): string | null {
  const d = e.data as Record<string, unknown>;
  switch (e.type) {
    case 'call_created':
      return `call created (${d.source})`;
    case 'identified':
      return `identified by ${d.by}`;
    case 'otp_sent':
      return `code sent by ${d.channel}`;
    case 'otp_delivery_failed':
      return `code delivery by ${d.channel} failed (${d.reason})`;
    case 'factor_passed':
      return `✓ ${d.factor} passed`;
    case 'factor_failed':
      return `✗ ${d.factor} failed (${d.reason})`;
    case 'wrong_code_burst':
      return `wrong_code_burst raised (${d.failures_in_window} failures within ${d.window_seconds} s)`;
    case 'handoff':
      return `handoff → ${d.queue} (${d.reason}), status ${d.status}`;
    case 'tool_gate':
      return `gate ${d.tool}: ${d.allowed ? 'allowed' : `refused (${d.reason})`}, ${Array.isArray(d.counted) ? d.counted.length : 0} of ${d.required} (${list(d.counted as string[])})`;
    case 'tool_result':
      return `tool ${d.tool}: ${d.success ? 'ok' : `failed (${d.reason})`}`;
    case 'conversation_mismatch':
      return `conversation mismatch (${d.action ?? d.tool ?? ''})`;
    case 'policy_decision':
      return null; // listed in its own section
    default:
      return e.type;
  }
}

/** One sentence: the call's status and what put it there. */
export function summary(call: CallRow, decision: Decision | undefined, lockoutMax: number | undefined): string {
  const h = (call.handoff ?? {}) as { reason?: string; queue?: string };
  switch (call.status) {
    case 'handed_off':
    case 'blocked': {
      const cause =
        h.reason === 'lockout'
          ? `${call.failures} failed check(s) reached the lockout limit${lockoutMax !== undefined ? ` (${lockoutMax})` : ''}`
          : h.reason === 'risk_high'
            ? `the risk tier became high (${list(Object.keys(call.signals).filter((k) => call.signals[k]))})`
            : h.reason === 'requested'
              ? 'a handoff was requested'
              : h.reason === 'blocked'
                ? 'the policy blocks calls at this risk tier'
                : 'the call was closed';
      return `${call.status.replace('_', ' ')}${h.queue ? ` to ${h.queue}` : ''}: ${cause}.`;
    }
    case 'ended':
      return 'the call ended.';
    case 'authenticated':
      return decision && decision.outcome === 'allow'
        ? `authenticated: ${decision.counted.length} distinct factor(s) counted, ${decision.required} required on the ${decision.tier} tier (${list(decision.counted)}).`
        : `authenticated; re-evaluated now it would need a step-up (${decision ? `${decision.counted.length} of ${decision.required}, tier ${decision.tier}` : 'policy missing'}).`;
    case 'pending':
    default:
      if (!decision) return 'pending.';
      if (decision.outcome === 'handoff') return `pending; the ${decision.tier} tier hands off (${list(decision.tier_signals)}).`;
      if (!call.customerId) return 'pending: the caller has not been identified yet.';
      return `pending: ${decision.counted.length} distinct factor(s) counted, ${decision.required} required on the ${decision.tier} tier (${list(decision.counted)}); eligible next: ${list(decision.eligible)}.`;
  }
}
