import type { z } from 'zod';
import { text } from '../kernel/index.js';
import { FACTOR_ACTIONS, FACTOR_FIELDS, factorModules, type FactorAction } from '../factors/registry.js';

// The auth_orchestrator's actions and arguments, from the registry: each factor's actions and
// fields in registry order, between the two the orchestrator answers itself.

/** `status` reads the call; `handoff` closes it for a person. Neither is a factor's. */
const OWN_FIRST = ['status'] as const;
const OWN_LAST = ['handoff'] as const;

export type Action = (typeof OWN_FIRST)[number] | FactorAction | (typeof OWN_LAST)[number];

export const ACTIONS = [...OWN_FIRST, ...(FACTOR_ACTIONS.keys() as Iterable<FactorAction>), ...OWN_LAST] as unknown as readonly [
  Action,
  ...Action[],
];

/** What the agent is told about `action`: its own sentence per factor, in registry order. */
export const ACTION_GUIDE = [
  'What to do now. Start with "status"; afterwards always use the value of next_required_step from the previous response.',
  ...factorModules().flatMap((m) => (m.guide ? [m.guide] : [])),
  'handoff: the caller asks for a person, or next_required_step is transfer_to_human.',
].join(' ');

/** Every factor's fields, then the orchestrator's own. */
export const ACTION_FIELDS = {
  ...FACTOR_FIELDS,
  agent_id: text(128, 'The ElevenLabs agent id (system__agent_id): picks the policy of a session that had no initiation webhook.'),
};

/** The fields an action cannot run without, and its cross-field rules; each error names its field. */
export function checkAction(value: Record<string, unknown>, issue: (field: string, message: string) => void): void {
  const action = value.action as string;
  const spec = FACTOR_ACTIONS.get(action)?.spec;
  if (!spec) return;
  for (const field of spec.requires ?? []) if (value[field] === undefined) issue(field, `required for action ${action}`);
  spec.refine?.(value, issue);
}

/** One auth_orchestrator request as validated (the tool's schema in tools/pre-auth parses into it). */
export type OrchestratorRequest = {
  call_id: string;
  conversation_id?: string | undefined;
  action: Action;
} & z.output<z.ZodObject<typeof ACTION_FIELDS>>;

/**
 * What the orchestrator answers by itself, whatever the action: a budget or lockout (`locked`), a
 * success discarded because the claim moved (`identity_changed`), the policy closing the call
 * (`risk_high`), a closed or ended call, another conversation's call.
 */
const OWN_REASONS = ['ok', 'locked', 'identity_changed', 'risk_high', 'blocked', 'ended', 'conversation_mismatch'] as const;

/** Every reason an auth_orchestrator answer can carry: each factor's (its reasons.ts), then the orchestrator's. */
export const ORCHESTRATOR_REASONS: readonly string[] = [...new Set([...factorModules().flatMap((m) => m.reasons), ...OWN_REASONS])];

/** Whether an action holds the request (a long-poll), so its route passes the client's abort signal. */
export const holdsRequest = (action: string): boolean => FACTOR_ACTIONS.get(action)?.spec.hold !== undefined;
