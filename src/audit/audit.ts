import type { Logger } from '../kernel/ports.js';
import type { EventStore } from '../store/events.js';

// Field names that must never reach an event or a log line, whatever a caller passes.
const FORBIDDEN = /^(code|codes|answer|answers|secret|token|password|pin|otp|totp_uri|host_session_token|signature|nonce_secret)$/i;

function scrub(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (FORBIDDEN.test(k)) continue;
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? scrub(v as Record<string, unknown>) : v;
  }
  return out;
}

/**
 * Events a fraud-operations team (a SIEM) follows. Their log lines carry `stream: "fraud_ops"`
 * so they can be routed without parsing every event type.
 */
export const FRAUD_OPS_EVENTS: ReadonlySet<string> = new Set([
  'wrong_code_burst',
  'wrong_did',
  'late_confirmation',
  'timeout',
  'screen_risk',
  'screen_unavailable',
  'degraded',
  'handoff',
  'confirm_refused',
  'conversation_mismatch',
  'host_session_invalid',
  // Limits across calls: a lock, a refused send or a tripped breaker is what an attack looks like.
  'budget_locked',
  'budget_unlocked',
  'otp_send_refused',
  'sms_breaker_tripped',
  'probe_breaker_tripped',
  'identify_refused',
  'call_limited',
  'factor_discarded',
  // "This wasn't me" on a push, the block it causes, a refused push answer (a wrong number), and
  // a DID an operator issued from the console: each one a person should be able to see.
  'push_denied',
  'push_answer_refused',
  'call_blocked',
  'operator_did_issued',
]);

export interface AuditEvent {
  type: string;
  data: Record<string, unknown>;
}

/** One audit event = one row in `events` and one structured log line, scrubbed of secrets. */
export function createAudit(events: EventStore, logger: Logger) {
  const log = (callId: string | null, type: string, clean: Record<string, unknown>) =>
    logger.info(type, FRAUD_OPS_EVENTS.has(type) ? { stream: 'fraud_ops', call_id: callId, ...clean } : { call_id: callId, ...clean });
  return {
    async record(callId: string | null, type: string, at: number, data: Record<string, unknown> = {}) {
      const clean = scrub(data);
      await events.append(callId, type, at, clean);
      log(callId, type, clean);
    },
    /** The log line of an event a store wrote inside its own atomic unit (e.g. customer_erased). */
    announce(callId: string | null, type: string, data: Record<string, unknown>) {
      log(callId, type, scrub(data));
    },
    /** Two events of one call, committed together (in this order) or not at all. */
    async recordPair(callId: string | null, at: number, first: AuditEvent, second: AuditEvent) {
      const a = { type: first.type, data: scrub(first.data) };
      const b = { type: second.type, data: scrub(second.data) };
      await events.appendPair(callId, at, a, b);
      log(callId, a.type, a.data);
      log(callId, b.type, b.data);
    },
  };
}

export type Audit = ReturnType<typeof createAudit>;
