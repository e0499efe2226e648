import { z } from 'zod';
import { ACTION_FIELDS, ACTION_GUIDE, ACTIONS, checkAction, type Action } from '../../src/orchestrator/actions.js';
import { defineTool, lenientEnum, validateToolRequest, type ValidationResult, type ToolArgs } from '../define.js';

// The single pre-auth tool. It only carries what the caller said to the service; the service and
// its policy decide. Nothing here may name, describe or hint at any post-auth tool.

export const ORCHESTRATOR_ACTIONS = ACTIONS;
export type OrchestratorAction = Action;
export { MAX_WAIT_SECONDS } from '../../src/factors/did/steps.js';

const input = z.object({
  action: lenientEnum(ACTIONS).describe(ACTION_GUIDE),
  ...ACTION_FIELDS,
});

export const authOrchestrator = defineTool({
  name: 'auth_orchestrator',
  description:
    'Verifies who the caller is. This tool alone decides whether the caller is authenticated: never decide it yourself, ' +
    'never assume it from what the caller says, and never skip or reorder steps. ' +
    'Call it with action "status" first; then, after every response, do exactly what next_required_step says ' +
    '(it names the next action, or "transfer_to_human", or "none" once the caller is verified). ' +
    'Pass what the caller says verbatim (account numbers, codes, answers): do not guess, fill in, correct or read them back. ' +
    'Every response has success (true or false) and a reason; privileged_allowed is true only when the caller is verified. ' +
    'If success is false, tell the caller briefly and follow next_required_step; never reveal codes, answers or why a check failed beyond the reason.',
  input,
  // Filled by the platform, never by the LLM: the agent a web/app session runs on selects its policy.
  bind: { host_session_token: 'host_session_token', agent_id: 'system__agent_id' },
  // Longer than the longest did_wait long-poll (20 s) plus processing.
  responseTimeoutSecs: 30,
  assignments: [
    { source: 'response', dynamic_variable: 'auth_privileged_allowed', value_path: 'privileged_allowed' },
    { source: 'response', dynamic_variable: 'auth_next_step', value_path: 'next_required_step' },
    { source: 'response', dynamic_variable: 'auth_risk_tier', value_path: 'auth_state.risk_tier' },
    { source: 'response', dynamic_variable: 'auth_status', value_path: 'auth_state.status' },
  ],
  refine(value, ctx) {
    checkAction(value as Record<string, unknown>, (field, message) => ctx.addIssue({ code: 'custom', path: [field], message }));
  },
});

export type OrchestratorRequest = ToolArgs<typeof authOrchestrator>;

/** The tool's schema plus the per-action required fields; each error names its field. */
export function validateOrchestratorRequest(body: unknown): ValidationResult<OrchestratorRequest> {
  return validateToolRequest(authOrchestrator, body);
}
