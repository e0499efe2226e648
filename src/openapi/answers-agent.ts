import { SCREEN_RISKS } from '../providers/voxeq/types.js';
import { arrayOf, bool, int, nullable, obj, oneOf, ref, str } from './answers-common.js';
import type { JsonSchema } from './json-schema.js';

// Answers of the ElevenLabs-facing routes: the initiation webhook, the tools, the post-call webhook,
// and the fraud screen's results.

/** Every value `next_required_step` takes (docs/api.md#next_required_step). */
export const NEXT_STEPS = ['identify', 'otp_send', 'otp_verify', 'kba_question', 'kba_verify', 'did_issue', 'did_wait', 'push_send', 'push_wait', 'transfer_to_human', 'none'] as const;
const DID_STATUSES = ['pending', 'confirmed', 'timeout', 'canceled'] as const;

export const agentSchemas: Record<string, JsonSchema> = {
  NextStep: oneOf(NEXT_STEPS),
  NextStepArgs: {
    type: 'object',
    additionalProperties: { type: 'string' },
    description: '`{channel}` for otp_send / otp_verify, `{level}` for kba_question, `{question_id}` for kba_verify.',
  },
  InitiationAnswer: obj(
    {
      type: { const: 'conversation_initiation_client_data' },
      dynamic_variables: obj(
        {
          auth_call_id: str('The call id to use in every tool call.'),
          auth_status: ref('CallStatus'),
          auth_privileged_allowed: bool,
          auth_next_step: ref('NextStep'),
          auth_risk_tier: ref('RiskTier'),
          host_session_token: str('Empty: a host app that has a session token sets it.'),
        },
        ['auth_call_id', 'auth_status', 'auth_privileged_allowed', 'auth_next_step', 'auth_risk_tier'],
      ),
    },
    ['type', 'dynamic_variables'],
  ),
  OrchestratorAnswer: obj(
    {
      success: bool,
      reason: str('`ok` or an orchestrator reason code.'),
      next_required_step: ref('NextStep'),
      next_step_args: ref('NextStepArgs'),
      remaining_attempts: int,
      privileged_allowed: bool,
      destination_hint: str('otp_send: where the code went, masked ("SMS to the number ending 42").'),
      expires_in_seconds: int,
      retry_after_seconds: int,
      question: obj({ id: str(), text: str() }, ['id', 'text']),
      did: str('did_issue: the six digits the agent reads out.'),
      ttl_seconds: int,
      attempt: int,
      prompts: obj({ speak: str(), loop: str() }, ['speak', 'loop']),
      did_status: oneOf(DID_STATUSES),
      push_number: str('push_send: the two digits the agent says; the caller taps them in the app.'),
      push_status: oneOf(['pending', 'approved', 'rejected', 'denied', 'expired', 'canceled']),
      push_prompts: obj({ speak: str(), waiting: str(), denied: str(), wrong_number: str() }),
      screen: obj(
        {
          status: oneOf([...SCREEN_RISKS, 'unavailable', 'pending', 'not_configured']),
          labels: arrayOf(oneOf(['watch_list', 'synthetic_voice', 'profile_mismatch', 'poor_audio'])),
        },
        ['status', 'labels'],
      ),
      handoff: ref('Handoff'),
      auth_state: ref('AuthState'),
    },
    ['success', 'reason', 'next_required_step', 'privileged_allowed'],
    { description: 'Every valid request answers 200; `success` says whether the check passed. `auth_state` is absent only on `conversation_mismatch`.' },
  ),
  GateRefusal: {
    allOf: [ref('Error')],
    ...obj({ next_required_step: ref('NextStep'), next_step_args: ref('NextStepArgs') }, ['next_required_step']),
  },
  ToolAnswer: obj(
    {
      success: bool,
      reason: str(),
      accounts: arrayOf(
        obj({ account: str('Masked to its last four characters.'), kind: str(), currency: str(), balance: { type: 'number' }, credit_limit: nullable({ type: 'number' }) }, [
          'account',
          'kind',
          'currency',
          'balance',
        ]),
      ),
      transfer: obj(
        { id: str(), from_account: str(), to_account: str(), amount: { type: 'number' }, currency: str(), status: str() },
        ['id', 'from_account', 'to_account', 'amount', 'currency', 'status'],
      ),
      card: obj(
        { account: str(), currency: str(), credit_limit: { type: 'number' }, previous_credit_limit: nullable({ type: 'number' }) },
        ['account', 'currency', 'credit_limit', 'previous_credit_limit'],
      ),
    },
    ['success', 'reason'],
    { description: '`accounts` from account_summary, `transfer` from transfer_funds (also on some refusals), `card` from update_card_limit.' },
  ),
  PostCallAnswer: obj(
    {
      success: { const: true },
      reason: oneOf(['ok', 'ignored', 'unknown_call']),
      type: str('The event type, as received.'),
      call_id: str(),
      status: ref('CallStatus'),
    },
    ['success', 'reason', 'type'],
  ),
  ScreenApplied: obj(
    { success: { const: true }, call_id: str(), status: ref('CallStatus'), risk_tier: ref('RiskTier'), privileged_allowed: bool },
    ['success', 'call_id', 'status', 'risk_tier', 'privileged_allowed'],
  ),
  ElevenLabsEvent: obj(
    {
      type: str('`post_call_transcription` and `call_initiation_failure` end the call; any other type is acknowledged and ignored.'),
      event_timestamp: int,
      data: obj({
        conversation_id: str(),
        agent_id: str(),
        metadata: { type: 'object' },
        conversation_initiation_client_data: { type: 'object' },
        failure_reason: str(),
      }),
    },
    [],
    {
      description:
        'ElevenLabs’ post-call webhook event. Checked by hand rather than by a schema: any signed JSON is accepted, ' +
        'and the call is found by `data.conversation_id` or a call id the event carries.',
    },
  ),
};
