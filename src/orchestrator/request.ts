// The request shape is owned by the tool's zod schema (tools/pre-auth): one definition validates
// requests, generates the ElevenLabs tool config and documents the tool.
export {
  ORCHESTRATOR_ACTIONS as ACTIONS,
  type OrchestratorAction as Action,
  type OrchestratorRequest,
} from '../../tools/pre-auth/auth_orchestrator.js';
