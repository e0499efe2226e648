import { z } from 'zod';
import { normalizeCode } from '../../src/factors/normalize.js';
import {
  defineTool,
  lenientEnum,
  lenientNumber,
  lenientString,
  optional,
  validateToolRequest,
  type ValidationResult,
  type ToolArgs,
} from '../define.js';

// The single pre-auth tool. It only carries what the caller said to the service; the service and
// its policy decide. Nothing here may name, describe or hint at any post-auth tool.

export const ORCHESTRATOR_ACTIONS = [
  'status',
  'identify',
  'otp_send',
  'otp_verify',
  'kba_question',
  'kba_verify',
  'did_issue',
  'did_wait',
  'did_cancel',
  'screen',
  'handoff',
] as const;
export type OrchestratorAction = (typeof ORCHESTRATOR_ACTIONS)[number];

export const OTP_CHANNELS = ['sms', 'email', 'app'] as const;
export const KBA_LEVELS = ['basic', 'advanced'] as const;

export const MAX_WAIT_SECONDS = 20;

const text = (max: number, description: string) =>
  optional(lenientString(z.string().trim().min(1).max(max, `at most ${max} characters`))).describe(description);

/** A spoken code: digits given as a JSON number become a string; spaces and dashes are dropped. */
const code = optional(
  lenientString(
    z
      .string()
      .overwrite(normalizeCode) // spoken "123 456": the factors receive the digits alone
      .min(1)
      .max(16, 'at most 16 characters'),
  ),
);

const input = z.object({
  action: lenientEnum(ORCHESTRATOR_ACTIONS).describe(
    'What to do now. Start with "status"; afterwards always use the value of next_required_step from the previous response. ' +
      'identify: the caller told you their member ID or account number. otp_send: send a one-time code. ' +
      'otp_verify: the caller read out the code. kba_question: get a security question to ask. kba_verify: the caller answered it. ' +
      'did_issue: get a verification number for the caller to confirm in their mobile app; did_wait: wait for that confirmation; ' +
      'did_cancel: the caller gives up on the app. screen: check the fraud screen result. ' +
      'handoff: the caller asks for a person, or next_required_step is transfer_to_human.',
  ),
  account_ref: text(
    64,
    'identify only: the member ID or account number exactly as the caller said it. Never guess, complete or correct it.',
  ),
  channel: optional(lenientEnum(OTP_CHANNELS)).describe(
    'otp_send: "sms" or "email", as the caller chooses. otp_verify: "app" only when the caller reads the code from their authenticator app; otherwise leave it out.',
  ),
  code: code.describe(
    'otp_verify only: the code exactly as the caller said it, as a string of digits (keep leading zeros). Never guess it and never repeat it back.',
  ),
  level: optional(lenientEnum(KBA_LEVELS)).describe(
    'kba_question only: "basic" or "advanced", as the previous response asks (use "advanced" when unsure).',
  ),
  question_id: text(128, 'kba_verify only: the id of the question you asked (question.id from the kba_question response).'),
  answer: text(200, "kba_verify only: the caller's answer, word for word. Do not rephrase, judge or repeat it."),
  wait_seconds: optional(lenientNumber(z.number().int().min(1).max(MAX_WAIT_SECONDS))).describe(
    `did_wait only: how many seconds to wait for the app confirmation, 1 to ${MAX_WAIT_SECONDS} (15 is a good value).`,
  ),
  host_session_token: text(4096, 'Signed session token from the host web/mobile app, when it has one.'),
  agent_id: text(128, 'The ElevenLabs agent id (system__agent_id): picks the policy of a session that had no initiation webhook.'),
});

type Args = z.output<typeof input>;

/** Fields each action needs besides call_id / conversation_id. */
const REQUIRED_BY_ACTION: Partial<Record<OrchestratorAction, readonly (keyof Args)[]>> = {
  identify: ['account_ref'],
  otp_send: ['channel'],
  otp_verify: ['code'],
  kba_question: ['level'],
  kba_verify: ['question_id', 'answer'],
};

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
    const action = value.action as string;
    const needs = (ORCHESTRATOR_ACTIONS as readonly string[]).includes(action)
      ? REQUIRED_BY_ACTION[action as OrchestratorAction]
      : undefined;
    for (const field of needs ?? []) {
      if (value[field] === undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: `required for action ${action}` });
      }
    }
    if (action === 'otp_send' && value.channel === 'app') {
      ctx.addIssue({
        code: 'custom',
        path: ['channel'],
        message: 'otp_send needs channel sms or email (app codes come from the authenticator, nothing is sent)',
      });
    }
  },
});

export type OrchestratorRequest = ToolArgs<typeof authOrchestrator>;

/** The tool's schema plus the per-action required fields; each error names its field. */
export function validateOrchestratorRequest(body: unknown): ValidationResult<OrchestratorRequest> {
  return validateToolRequest(authOrchestrator, body);
}
