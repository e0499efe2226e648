import { authOrchestrator, ORCHESTRATOR_ACTIONS } from '../../tools/pre-auth/auth_orchestrator.js';
import { postAuthTools, postAuthToolPath } from '../../tools/post-auth/index.js';
import { STATUS_BY_REASON as TRANSFER_REASONS } from '../../tools/post-auth/transfer_funds.js';
import { STATUS_BY_REASON as CARD_LIMIT_REASONS } from '../../tools/post-auth/update_card_limit.js';
import { initiationSchema } from '../http/initiation.js';
import { screenResultSchema } from '../providers/voxeq/types.js';
import { json, refusal, type Answer, type RouteSpec } from './table.js';

// The ElevenLabs-facing routes, the fraud screen's results, health and this document.

/** Every reason a valid auth_orchestrator request can answer (docs/api.md#orchestrator-reasons). */
export const ORCHESTRATOR_REASONS = [
  'ok', 'already_authenticated', 'unknown_account', 'identity_locked', 'identity_changed', 'not_identified', 'not_enrolled',
  'cooldown', 'rate_limited', 'delivery_failed', 'delivery_timeout', 'channel_unsupported', 'no_code_sent', 'wrong_code',
  'expired', 'code_used', 'max_attempts', 'question_not_asked', 'wrong_answer', 'locked', 'pending', 'canceled', 'no_session',
  'not_pending', 'max_retries', 'already_confirmed', 'did_unavailable', 'not_configured', 'screen_uncertain',
  'screen_unavailable', 'risk_high', 'blocked', 'ended', 'conversation_mismatch', 'push_paused', 'push_pending', 'no_push',
  'denied', 'wrong_number',
] as const;

const GATE_REASONS = ['not_authenticated', 'step_up_required', 'blocked', 'ended', 'conversation_mismatch'] as const;
const SIGNATURE_REASONS = ['missing_signature', 'malformed_signature', 'bad_signature', 'stale_signature'] as const;

/** The refusals a post-auth tool's own code can answer, by HTTP status, from the tool's reason → status table. */
const TOOL_REASONS: Record<string, Readonly<Record<string, number>>> = {
  transfer_funds: TRANSFER_REASONS,
  update_card_limit: CARD_LIMIT_REASONS,
};

function toolRefusals(name: string): Record<number, Answer> {
  const byStatus: Record<number, string[]> = {};
  for (const [reason, status] of Object.entries(TOOL_REASONS[name] ?? {})) (byStatus[status] ??= []).push(reason);
  return Object.fromEntries(Object.entries(byStatus).map(([status, reasons]) => [status, refusal('The ledger refused the operation.', reasons)]));
}

const pascal = (name: string) => name.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());

const POST_AUTH_EXAMPLES: Record<string, Record<string, unknown>> = {
  account_summary: {},
  transfer_funds: { to_account: 'savings', amount: 25 },
  update_card_limit: { new_limit: 1500 },
};

const postAuthRoutes: RouteSpec[] = Object.values(postAuthTools).map((tool) => ({
  method: 'post',
  path: postAuthToolPath(tool.name),
  tag: 'Post-auth tools',
  summary: `The ${tool.name} tool (${tool.effect})`,
  description:
    `${tool.description}\n\nEvery call is re-checked against the call’s policy before the tool runs; the customer is the one the call ` +
    'authenticated, never a value from the body. Any other name under /tools/post/ is `404 unknown_tool`.',
  auth: 'tool',
  body: { name: `${pascal(tool.name)}Request`, zod: tool.input, example: { call_id: 'CA1', conversation_id: 'conv1', ...POST_AUTH_EXAMPLES[tool.name] } },
  responses: {
    200: json('ToolAnswer', 'The tool ran.', ['ok']),
    403: refusal('Refused by the policy gate; `next_required_step` says what would open it.', GATE_REASONS, 'GateRefusal'),
    ...toolRefusals(tool.name),
  },
}));

export const agentRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: '/healthz',
    tag: 'Health',
    summary: 'Liveness and the policies in force',
    description: 'Always 200 while the process serves requests. It does not check the database or any provider.',
    auth: 'none',
    responses: { 200: json('Health', 'The policies new calls get (id, version, file name).') },
  },
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'Health',
    summary: 'This OpenAPI document',
    description: 'Public: it describes the routes and holds no secret, no configuration and nothing about any call.',
    auth: 'none',
    responses: { 200: json({ type: 'object' }, 'An OpenAPI 3.1 document.') },
  },
  {
    method: 'post',
    path: '/elevenlabs/initiation',
    tag: 'ElevenLabs',
    summary: 'Conversation-initiation webhook: seeds the call’s auth_state',
    description:
      'Called while the phone rings. Idempotent per `call_sid`. Caller ID claims nobody: the answer is the same for an enrolled and an unknown number. Other fields are ignored.',
    auth: 'tool',
    body: {
      name: 'InitiationRequest',
      zod: initiationSchema,
      example: { call_sid: 'CA1', caller_id: '+14155550142', agent_id: 'agent_1', called_number: '+18005550100' },
    },
    responses: { 200: json('InitiationAnswer', 'The dynamic variables the agent starts with.') },
  },
  {
    method: 'post',
    path: '/elevenlabs/post-call',
    tag: 'ElevenLabs',
    summary: 'Post-call webhook: ends the call',
    description: 'Signed with `ElevenLabs-Signature`. Bodies up to 8 MiB. A known call becomes `ended` and its pending DID sessions are cancelled.',
    auth: 'elevenlabs',
    body: { name: 'ElevenLabsEvent', json: { $ref: '#/components/schemas/ElevenLabsEvent' }, media: 'application/json' },
    responses: {
      200: json('PostCallAnswer', 'Acknowledged: the call ended (`ok`), an event callgate does not act on (`ignored`), or an unknown conversation.', [
        'ok',
        'ignored',
        'unknown_call',
      ]),
      400: refusal('Signed, but not JSON.', ['invalid_request'], 'InvalidRequest'),
      401: refusal('The signature is absent, unparsable, wrong or outside its time window.', SIGNATURE_REASONS),
      503: refusal('`ELEVENLABS_WEBHOOK_SECRET` is not set.', ['not_configured']),
    },
  },
  {
    method: 'post',
    path: '/tools/auth_orchestrator',
    tag: 'Pre-auth tool',
    summary: 'The auth_orchestrator tool: one verification step per request',
    description: `${authOrchestrator.description}\n\nActions: ${ORCHESTRATOR_ACTIONS.map((a) => `\`${a}\``).join(', ')}. A field an action needs but did not get is \`400 invalid_request\` with \`message: "required for action <action>"\`.`,
    auth: 'tool',
    body: {
      name: 'AuthOrchestratorRequest',
      zod: authOrchestrator.input,
      example: { call_id: 'CA1', conversation_id: 'conv1', action: 'identify', account_ref: 'M-100042' },
    },
    responses: { 200: json('OrchestratorAnswer', 'The step ran; `success` says whether it passed. See docs/api.md#orchestrator-reasons.', ORCHESTRATOR_REASONS) },
  },
  ...postAuthRoutes,
  {
    method: 'post',
    path: '/voxeq/results',
    tag: 'Fraud screen',
    summary: 'A fraud-screen verdict (VoxEQ Verify) for a call',
    description: 'Signed with `X-Callgate-Signature` and `VOXEQ_WEBHOOK_SECRET`. The policy is re-evaluated at once. Other fields are ignored.',
    auth: 'voxeq',
    body: {
      name: 'ScreenResult',
      zod: screenResultSchema,
      example: { call_id: 'CA1', risk: 'clear', watch_list: false, synthetic_voice: false, profile_mismatch: false, poor_audio: false, score: 0.12 },
    },
    responses: {
      200: json('ScreenApplied', 'Applied to the call.'),
      401: refusal('The signature is absent, unparsable, wrong or outside its time window.', SIGNATURE_REASONS),
      404: refusal('No such call.', ['unknown_call']),
      409: refusal('This exact delivery (timestamp and body) was already accepted.', ['replayed']),
      503: refusal('`VOXEQ_WEBHOOK_SECRET` is not set.', ['not_configured']),
    },
  },
];
