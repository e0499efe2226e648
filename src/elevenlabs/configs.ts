// What `npm run elevenlabs -- push` sends, as ElevenLabs' wire JSON (snake_case), built from the
// tool registries. Pure: no network, no SDK at run time (the SDK's serialization types are used
// for type-checking only), so `--dry-run` and `export` print exactly what a push would send.
//
// The gate is structural: the base agent carries only the pre-auth tool; the post-auth tools are
// `additional_tool_ids` of one workflow node whose only way in is an `expression` edge on the
// dynamic variable callgate's own tool response assigns (`auth_privileged_allowed`). No edge is
// an LLM-judged condition.
import type * as wire from '@elevenlabs/elevenlabs-js/serialization/index.js';
import type { z } from 'zod';
import { type ToolChannel, type ToolDef } from '../../tools/define.js';
import { postAuthToolPath, postAuthTools } from '../../tools/post-auth/index.js';
import { preAuthToolPath, preAuthTools } from '../../tools/pre-auth/index.js';
import { toToolConfig } from '../../tools/tool-config.js';
import { hmacHex, importHmacKey } from '../crypto/hmac.js';
import { FIRST_MESSAGE, PRE_AUTH_PROMPT } from './prompt.js';
import { buildWorkflow } from './workflow.js';

export type ToolRequest = wire.ToolRequestModel.Raw;
export type AgentRequest = wire.conversationalAi.BodyCreateAgentV1ConvaiAgentsCreatePost.Raw & { name: string };
export type SettingsRequest = wire.conversationalAi.PatchConvAiSettingsRequest.Raw;

export const DEFAULT_AGENT_NAME = 'callgate';
export const AGENT_TAG = 'callgate';
/** callgate's routes that ElevenLabs calls. */
export const INITIATION_PATH = '/elevenlabs/initiation';
export const POST_CALL_PATH = '/elevenlabs/post-call';

export type ToolGraph = 'pre_auth' | 'post_auth';

/**
 * The dynamic variables the initiation webhook answers with (docs/api.md), and the value each
 * takes when nothing set it (a web session has no initiation webhook): never privileged.
 */
export const INITIATION_VARIABLE_DEFAULTS: Readonly<Record<string, string | boolean>> = Object.freeze({
  auth_call_id: '',
  auth_status: 'pending',
  auth_privileged_allowed: false,
  auth_next_step: 'status',
  auth_risk_tier: 'low',
});

// ── the bearer secret ────────────────────────────────────────────────────────────────────────

/**
 * Name of the workspace secret holding `Bearer <CALLGATE_TOOL_SECRET>`. ElevenLabs never returns
 * a secret's value, so the name carries a short keyed fingerprint of it: the same secret is
 * found again (push stays a no-op), a rotated one gets a new secret and every config follows it.
 */
export async function secretName(toolSecret: string): Promise<string> {
  const fp = await hmacHex(await importHmacKey(toolSecret), 'callgate:elevenlabs-secret-name:v1');
  return `callgate_tool_bearer_${fp.slice(0, 12)}`;
}

/** The value ElevenLabs sends as the whole `Authorization` header. */
export const secretValue = (toolSecret: string) => `Bearer ${toolSecret}`;

// ── tools ─────────────────────────────────────────────────────────────────────────────────────

export interface PlannedTool {
  name: string;
  graph: ToolGraph;
  request: ToolRequest;
}

export interface ToolOptions {
  /** callgate's public base URL (CALLGATE_PUBLIC_URL). */
  publicUrl: string;
  /** Id of the workspace secret sent as `Authorization`. */
  secretId: string;
  channel?: ToolChannel;
}

/** Every tool: the pre-auth graph first, then the post-auth graph, each in registry order. */
export function buildTools(opts: ToolOptions): PlannedTool[] {
  const channel = opts.channel ?? 'telephony';
  const one = (def: ToolDef<z.ZodRawShape>, graph: ToolGraph, path: string): PlannedTool => ({
    name: def.name,
    graph,
    request: { tool_config: toToolConfig(def, { baseUrl: opts.publicUrl, path, channel, secretId: opts.secretId }) },
  });
  return [
    ...Object.values(preAuthTools).map((d) => one(d, 'pre_auth', preAuthToolPath(d.name))),
    ...Object.values(postAuthTools).map((d) => one(d, 'post_auth', postAuthToolPath(d.name))),
  ];
}

type WebhookConfig = Extract<ToolRequest['tool_config'], { type: 'webhook' }>;
const webhookConfig = (t: PlannedTool) => t.request.tool_config as WebhookConfig;

/**
 * A default for every dynamic variable the tools read or assign and the initiation webhook
 * answers, so a conversation never fails for a missing variable (`host_session_token` is only
 * set by a host app; a phone call has none).
 */
export function dynamicVariablePlaceholders(tools: readonly PlannedTool[]): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const t of tools) {
    const cfg = webhookConfig(t);
    for (const leaf of Object.values(cfg.api_schema.request_body_schema?.properties ?? {})) {
      const variable = (leaf as { dynamic_variable?: string | null }).dynamic_variable;
      if (variable && !variable.startsWith('system__')) out[variable] = '';
    }
    for (const a of cfg.assignments ?? []) out[a.dynamic_variable] = '';
  }
  Object.assign(out, INITIATION_VARIABLE_DEFAULTS);
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]!]));
}

let initiationPlaceholders: Readonly<Record<string, string | boolean>> | undefined;

/**
 * The variables the pushed agent defines that the initiation webhook does not compute itself
 * (`host_session_token`), with their placeholders: ElevenLabs expects the initiation answer to
 * carry every variable the agent defines. The names come from the tool registries, not the URL.
 */
export function initiationPlaceholderVariables(): Readonly<Record<string, string | boolean>> {
  initiationPlaceholders ??= Object.freeze(
    Object.fromEntries(
      Object.entries(dynamicVariablePlaceholders(buildTools({ publicUrl: 'https://callgate.invalid', secretId: 'unused' }))).filter(
        ([name]) => !Object.hasOwn(INITIATION_VARIABLE_DEFAULTS, name),
      ),
    ),
  );
  return initiationPlaceholders;
}

// ── the agent and its workflow ───────────────────────────────────────────────────────────────

export interface AgentOptions {
  name?: string;
  /** Tool name → ElevenLabs tool id, for every planned tool. */
  toolIds: Readonly<Record<string, string>>;
  tools: readonly PlannedTool[];
  /** E.164 number the handoff path transfers to; without one the handoff path ends the call. */
  handoffNumber?: string | undefined;
}

export function buildAgent(opts: AgentOptions): AgentRequest {
  const ids = (graph: ToolGraph) =>
    opts.tools
      .filter((t) => t.graph === graph)
      .map((t) => {
        const id = opts.toolIds[t.name];
        if (!id) throw new Error(`buildAgent: no id for tool ${t.name}`);
        return id;
      });
  const preIds = ids('pre_auth');
  const postIds = ids('post_auth');
  return {
    name: opts.name ?? DEFAULT_AGENT_NAME,
    tags: [AGENT_TAG],
    conversation_config: {
      agent: {
        first_message: FIRST_MESSAGE,
        language: 'en',
        dynamic_variables: { dynamic_variable_placeholders: dynamicVariablePlaceholders(opts.tools) },
        prompt: { prompt: PRE_AUTH_PROMPT, tool_ids: preIds },
      },
    },
    platform_settings: {
      overrides: { enable_conversation_initiation_client_data_from_webhook: true },
    },
    workflow: buildWorkflow(postIds, opts.handoffNumber),
  };
}

// ── workspace settings ───────────────────────────────────────────────────────────────────────

export function buildSettings(opts: { publicUrl: string; secretId: string }): SettingsRequest {
  return {
    conversation_initiation_client_data_webhook: {
      url: joinPath(opts.publicUrl, INITIATION_PATH),
      request_headers: { Authorization: { secret_id: opts.secretId } },
    },
  };
}

function joinPath(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

// ── the whole plan, with placeholders where ElevenLabs assigns the ids ────────────────────────

export interface PlanOptions {
  publicUrl: string;
  channel?: ToolChannel;
  agentName?: string;
  handoffNumber?: string | undefined;
  /** Known ids (a push); otherwise readable placeholders (dry-run, export). */
  secretId?: string;
  toolIds?: Readonly<Record<string, string>>;
  /** Name of the secret, when the tool secret is known. */
  secretName?: string;
}

export interface Plan {
  secret: { name: string; value: string };
  tools: PlannedTool[];
  agent: AgentRequest;
  settings: SettingsRequest;
}

export const SECRET_NAME_PLACEHOLDER = 'callgate_tool_bearer_<fingerprint of CALLGATE_TOOL_SECRET>';
export const secretIdPlaceholder = (name: string) =>
  name === SECRET_NAME_PLACEHOLDER ? '<secret_id of the CALLGATE_TOOL_SECRET secret>' : `<secret_id of ${name}>`;
export const toolIdPlaceholder = (tool: string) => `<tool_id of ${tool}>`;

/** Everything push would send, in order; ids ElevenLabs assigns are placeholders unless given. */
export function buildPlan(opts: PlanOptions): Plan {
  const name = opts.secretName ?? SECRET_NAME_PLACEHOLDER;
  const secretId = opts.secretId ?? secretIdPlaceholder(name);
  const tools = buildTools({ publicUrl: opts.publicUrl, secretId, ...(opts.channel ? { channel: opts.channel } : {}) });
  const toolIds = opts.toolIds ?? Object.fromEntries(tools.map((t) => [t.name, toolIdPlaceholder(t.name)]));
  return {
    secret: { name, value: 'Bearer <CALLGATE_TOOL_SECRET> (sent only to create the secret; never printed)' },
    tools,
    agent: buildAgent({ name: opts.agentName, toolIds, tools, handoffNumber: opts.handoffNumber }),
    settings: buildSettings({ publicUrl: opts.publicUrl, secretId }),
  };
}
