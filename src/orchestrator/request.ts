/** The actions of the single pre-auth tool (CONTRACT §2). */
export const ACTIONS = [
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
export type Action = (typeof ACTIONS)[number];

/** A validated `auth_orchestrator` request (validation lives with the tool's zod schema). */
export interface OrchestratorRequest {
  call_id: string;
  conversation_id?: string | undefined;
  action: Action;
  account_ref?: string | undefined;
  channel?: 'sms' | 'email' | 'app' | undefined;
  code?: string | undefined;
  level?: 'basic' | 'advanced' | undefined;
  question_id?: string | undefined;
  answer?: string | undefined;
  wait_seconds?: number | undefined;
  host_session_token?: string | undefined;
}
