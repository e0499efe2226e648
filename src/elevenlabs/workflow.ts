// The agent's workflow: the gate between the pre-auth and post-auth tool graphs. Its edges are
// `expression` conditions on the dynamic variables callgate's own tool answers assign, never a
// condition an LLM judges.
import type * as wire from '@elevenlabs/elevenlabs-js/serialization/index.js';
import { POST_AUTH_PROMPT } from './prompt.js';

export type WorkflowRequest = wire.AgentWorkflowRequestModel.Raw;
type AstNode = wire.AstNodeInput.Raw;
type Edge = wire.WorkflowEdgeModelInput.Raw;
type WorkflowNode = wire.AgentWorkflowRequestModelNodesValue.Raw;

export const PRIVILEGED_VARIABLE = 'auth_privileged_allowed';
export const NEXT_STEP_VARIABLE = 'auth_next_step';
export const HUMAN_STEP = 'transfer_to_human';

export const NODE = { start: 'start', preAuth: 'pre_auth', postAuth: 'post_auth', handoff: 'handoff' } as const;
export const EDGE = {
  start: 'start_to_pre_auth',
  verified: 'pre_auth_to_post_auth',
  preAuthHandoff: 'pre_auth_to_handoff',
  lostPrivilege: 'post_auth_to_pre_auth',
  postAuthHandoff: 'post_auth_to_handoff',
} as const;

const variable = (name: string): AstNode => ({ type: 'dynamic_variable', name });
const eq = (left: AstNode, right: AstNode): AstNode => ({ type: 'eq_operator', left, right });
const or = (...children: AstNode[]): AstNode => ({ type: 'or_operator', children });
/** A variable equal to a boolean, whether the platform kept the JSON boolean or stringified it. */
const isBool = (name: string, value: boolean): AstNode =>
  or(eq(variable(name), { type: 'boolean_literal', value }), eq(variable(name), { type: 'string_literal', value: String(value) }));
const isString = (name: string, value: string): AstNode => eq(variable(name), { type: 'string_literal', value });

const when = (label: string, expression: AstNode): Edge['forward_condition'] => ({ type: 'expression', label, expression });

export function buildWorkflow(postIds: string[], handoffNumber?: string): WorkflowRequest {
  const handoff: WorkflowNode = handoffNumber
    ? {
        type: 'phone_number',
        transfer_destination: { type: 'phone', phone_number: handoffNumber },
        transfer_type: 'conference',
        position: { x: 250, y: 400 },
        edge_order: [],
      }
    : { type: 'end', outcome: 'failure', position: { x: 250, y: 400 }, edge_order: [] };
  const nodes: Record<string, WorkflowNode> = {
    [NODE.start]: { type: 'start', position: { x: 0, y: 0 }, edge_order: [EDGE.start] },
    [NODE.preAuth]: {
      type: 'override_agent',
      label: 'Verify the caller',
      additional_prompt: '',
      additional_tool_ids: [],
      position: { x: 0, y: 200 },
      // Safety first: a handoff wins over anything else.
      edge_order: [EDGE.preAuthHandoff, EDGE.verified],
    },
    [NODE.postAuth]: {
      type: 'override_agent',
      label: 'Verified caller',
      additional_prompt: POST_AUTH_PROMPT,
      additional_tool_ids: postIds,
      position: { x: -250, y: 400 },
      edge_order: [EDGE.postAuthHandoff, EDGE.lostPrivilege],
    },
    [NODE.handoff]: handoff,
  };
  // Either side of the gate hands the call to a person when callgate says so.
  const toHandoff = (source: string): Edge => ({
    source,
    target: NODE.handoff,
    forward_condition: when('callgate hands the call to a person', isString(NEXT_STEP_VARIABLE, HUMAN_STEP)),
  });
  const edges: Record<string, Edge> = {
    [EDGE.start]: { source: NODE.start, target: NODE.preAuth, forward_condition: { type: 'unconditional' } },
    [EDGE.verified]: {
      source: NODE.preAuth,
      target: NODE.postAuth,
      forward_condition: when('callgate verified the caller', isBool(PRIVILEGED_VARIABLE, true)),
    },
    [EDGE.preAuthHandoff]: toHandoff(NODE.preAuth),
    [EDGE.lostPrivilege]: {
      source: NODE.postAuth,
      target: NODE.preAuth,
      forward_condition: when('callgate withdrew privileged access', isBool(PRIVILEGED_VARIABLE, false)),
    },
    [EDGE.postAuthHandoff]: toHandoff(NODE.postAuth),
  };
  return { nodes, edges, prevent_subagent_loops: true };
}
