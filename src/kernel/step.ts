import type { Decision, Policy } from '../policy/index.js';
import type { CallRow } from '../store/schema/calls.js';
import type { Services } from './services.js';

/** Why automation ended for a call (probe_limit: identify probing; call_limit: too many calls from one caller ID). */
export type HandoffReason = 'risk_high' | 'lockout' | 'requested' | 'blocked' | 'probe_limit' | 'call_limit';

/** What a sub-tool sees: the call as loaded, its policy, one clock reading. */
export interface StepContext {
  s: Services;
  call: CallRow;
  policy: Policy;
  now: number;
}

/**
 * Every sub-tool answers with a value, never an exception, for every expected outcome.
 * `passed` names the factor proven; `failed` marks a failed check that counts toward lockout.
 * `R` is the factor's own reason codes (its reasons.ts), so a misspelt reason is a type error.
 */
export interface StepResult<R extends string = string> {
  success: boolean;
  reason: R;
  passed?: string;
  failed?: string;
  remaining_attempts?: number;
  extra?: Record<string, unknown>;
  /** The step learnt that automation must end: the orchestrator hands the call off for this reason. */
  close?: HandoffReason;
}

export const fail = <R extends string>(reason: R, more: Partial<Omit<StepResult, 'reason' | 'success'>> = {}): StepResult<R> => ({
  success: false,
  reason,
  ...more,
});
export const ok = <R extends string = 'ok'>(more: Partial<Omit<StepResult, 'success'>> & { reason?: R } = {}): StepResult<R | 'ok'> => ({
  success: true,
  reason: 'ok',
  ...more,
});

/** What the caller should do next: an action name, `transfer_to_human`, `identify` or `none`. */
export interface NextStep {
  step: string;
  /** Arguments the next action needs that only callgate knows (e.g. `{channel: "app"}`). */
  args?: Record<string, string>;
}

/** Privileged tools are open only on an authenticated call whose policy allows it now. */
export function privilegedAllowed(call: CallRow, decision: Decision): boolean {
  return call.status === 'authenticated' && decision.allowed;
}
