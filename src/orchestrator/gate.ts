import type { Decision } from '../policy/index.js';
import { evaluate } from '../policy/index.js';
import type { CallRow } from '../store/schema/calls.js';
import { nextStep } from './next-step.js';
import { settle } from './settle.js';
import { applySignals } from './signals.js';
import { policyFor, type Services } from '../kernel/index.js';
import type { AuditEvent } from '../audit/audit.js';

export type GateResult =
  /** Allowed: the `tool_gate` event is the caller's to record (see PostAuthEffect), at `now`. */
  | { ok: true; call: CallRow & { customerId: string }; decision: Decision; now: number; event: AuditEvent }
  | { ok: false; body: { success: false; reason: string; next_required_step: string; next_step_args?: Record<string, string> } };

/**
 * The post-auth gate: a privileged tool runs only when the call's policy allows this tool now
 * (tier threshold, the tool's own requirement and freshness). Re-evaluated on every call, so a
 * risk signal that arrived after authentication closes the tool at once.
 */
export async function gateTool(s: Services, tool: string, callId: string, conversationId: string | undefined): Promise<GateResult> {
  const now = s.clock.now();
  const deny = (reason: string, next_required_step: string, args?: Record<string, string>): GateResult => ({
    ok: false,
    body: { success: false, reason, next_required_step, ...(args ? { next_step_args: args } : {}) },
  });
  const stored = await s.calls.get(callId);
  if (!stored) return deny('not_authenticated', 'identify');
  // Whatever created the call (an initiation webhook, the IVR routes), its first tool use binds
  // the conversation, so no second conversation can use what the first one proved.
  const bound =
    stored.conversationId === null && conversationId
      ? await s.calls.bindConversation(callId, conversationId, now)
      : stored.conversationId === (conversationId ?? null);
  if (!bound) {
    await s.audit.record(callId, 'conversation_mismatch', now, { tool });
    return deny('conversation_mismatch', 'transfer_to_human');
  }
  const policy = policyFor(s, stored);
  // The signals a request without tool arguments can get (a screen deadline passed), like the orchestrator's.
  const screened = await applySignals({ s, call: stored, policy, now }, undefined);
  const { call, decision: tierDecision } = await settle(s, screened, policy, now, `tool:${tool}`, false);
  const decision = evaluate(policy, call.signals, call.successes, { now, action: tool });

  let refusal: { reason: string; next: string; args?: Record<string, string> } | null = null;
  const reason = refusalReason(call, decision, tierDecision);
  if (reason === 'ended') refusal = { reason, next: 'none' };
  else if (reason === 'blocked') refusal = { reason, next: 'transfer_to_human' };
  else if (reason !== null) {
    const next = await nextStep(s, call, policy, decision, now);
    refusal = next.step === 'none' ? { reason, next: 'transfer_to_human' } : { reason, next: next.step, ...(next.args ? { args: next.args } : {}) };
  }
  const event: AuditEvent = {
    type: 'tool_gate',
    data: { tool, allowed: refusal === null, reason: refusal?.reason ?? 'ok', tier: decision.tier, required: decision.required, counted: decision.counted },
  };
  if (refusal) {
    await s.audit.record(callId, event.type, now, event.data);
    return deny(refusal.reason, refusal.next, refusal.args);
  }
  return { ok: true, call: call as CallRow & { customerId: string }, decision, now, event };
}

/**
 * Why a post-auth tool is refused on this call, in the gate's order; null when it may run.
 * `decision` is for the tool (its own rule), `tierDecision` for the call's tier alone.
 */
export function refusalReason(
  call: CallRow,
  decision: Decision,
  tierDecision: Decision,
): 'ended' | 'blocked' | 'step_up_required' | 'not_authenticated' | null {
  if (call.status === 'ended') return 'ended';
  if (call.status === 'handed_off' || call.status === 'blocked') return 'blocked';
  if (decision.allowed && call.customerId) return null;
  // The caller proved who they are at some point (this tool asks for more or fresher proof, or a
  // signal raised the tier since): that is a step-up, not a first authentication.
  return (call.status === 'authenticated' && tierDecision.allowed) || call.authenticatedAt !== null ? 'step_up_required' : 'not_authenticated';
}
