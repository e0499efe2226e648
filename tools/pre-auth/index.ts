import type { ToolDef } from '../define.js';
import { authOrchestrator } from './auth_orchestrator.js';

// The pre-auth tool graph: what an unauthenticated conversation may call. It must never import,
// name or describe anything from ../post-auth (a test checks this).

export const preAuthTools = Object.freeze({
  auth_orchestrator: authOrchestrator,
}) satisfies Readonly<Record<string, ToolDef>>;


/** HTTP route of a pre-auth tool. */
export const preAuthToolPath = (name: string): string => `/tools/${name}`;

export { authOrchestrator, validateOrchestratorRequest } from './auth_orchestrator.js';
