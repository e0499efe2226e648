import type { Logger } from '../deps.js';
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

/** One audit event = one row in `events` and one structured log line, scrubbed of secrets. */
export function createAudit(events: EventStore, logger: Logger) {
  return {
    async record(callId: string | null, type: string, at: number, data: Record<string, unknown> = {}) {
      const clean = scrub(data);
      await events.append(callId, type, at, clean);
      logger.info(type, { call_id: callId, ...clean });
    },
  };
}

export type Audit = ReturnType<typeof createAudit>;
