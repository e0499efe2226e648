import type { Decision } from '../policy/index.js';
import type { CallRow } from '../store/schema/calls.js';
import type { NextStep } from './next-step.js';
import { privilegedAllowed, type StepResult } from '../kernel/index.js';

/** The auth_state view a tool response carries (docs/api.md). Nothing secret, nothing personal. */
export function authStateView(call: CallRow, decision: Decision) {
  return {
    call_id: call.id,
    status: call.status,
    risk_tier: decision.tier,
    identified: call.customerId !== null,
    auth_success_count: decision.counted.length,
    required_successes: decision.required,
    successes: Object.keys(call.successes),
    risk_signals: call.signals,
    policy: decision.policy,
  };
}

export function orchestratorAnswer(call: CallRow, decision: Decision, result: StepResult, next: NextStep) {
  return {
    success: result.success,
    reason: result.reason,
    next_required_step: next.step,
    ...(next.args ? { next_step_args: next.args } : {}),
    ...(result.remaining_attempts !== undefined ? { remaining_attempts: result.remaining_attempts } : {}),
    privileged_allowed: privilegedAllowed(call, decision),
    ...result.extra,
    ...(call.handoff && (call.status === 'handed_off' || call.status === 'blocked') ? { handoff: call.handoff } : {}),
    auth_state: authStateView(call, decision),
  };
}
