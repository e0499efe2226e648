// `npm run elevenlabs -- push`: makes an ElevenLabs workspace hold what configs.ts builds, through
// the official SDK. Idempotent by name: each resource is looked up by name, compared with what
// would be sent (compare.ts), and created, updated or left alone; a second run changes nothing.
// Order matters: the secret before the tools that reference it, the tools before the agent that
// lists their ids, the workspace setting last.
import type { ElevenLabs, ElevenLabsClient } from '@elevenlabs/elevenlabs-js';
import type { ToolChannel } from '../../tools/define.js';
import { differences } from './compare.js';
import {
  buildAgent,
  buildSettings,
  buildTools,
  secretName,
  secretValue,
  type AgentRequest,
  type PlannedTool,
  type SettingsRequest,
} from './configs.js';
import { fromSdk, toSdk } from './wire.js';

export type ResourceKind = 'secret' | 'tool' | 'agent' | 'settings';
export type Action = 'created' | 'updated' | 'unchanged';

export interface Change {
  kind: ResourceKind;
  name: string;
  id?: string;
  action: Action;
  /** For an update: the dotted paths that differed. */
  fields?: string[];
}

export interface PushOptions {
  client: ElevenLabsClient;
  /** callgate's public base URL: where ElevenLabs sends tool calls and the initiation webhook. */
  publicUrl: string;
  /** CALLGATE_TOOL_SECRET; stored in ElevenLabs as `Bearer <secret>`, never written into a config. */
  toolSecret: string;
  channel?: ToolChannel;
  agentName?: string;
  handoffNumber?: string | undefined;
  log?: (line: string) => void;
}

export interface PushResult {
  changes: Change[];
  /** False when the workspace already held everything (a second run). */
  changed: boolean;
  agentId: string;
  secretId: string;
  toolIds: Record<string, string>;
  /** Exactly what was compared against (and sent, where something changed). */
  sent: { tools: PlannedTool[]; agent: AgentRequest; settings: SettingsRequest };
}

const PAGE = 100;

async function listAllTools(client: ElevenLabsClient): Promise<ElevenLabs.ToolResponseModel[]> {
  const out: ElevenLabs.ToolResponseModel[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.conversationalAi.tools.list({ pageSize: PAGE, ...(cursor ? { cursor } : {}) });
    out.push(...page.tools);
    cursor = page.hasMore ? page.nextCursor : undefined;
  } while (cursor);
  return out;
}

async function listAgentsNamed(client: ElevenLabsClient, name: string): Promise<ElevenLabs.AgentSummaryResponseModel[]> {
  const out: ElevenLabs.AgentSummaryResponseModel[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.conversationalAi.agents.list({ pageSize: PAGE, search: name, ...(cursor ? { cursor } : {}) });
    out.push(...page.agents.filter((a) => a.name === name));
    cursor = page.hasMore ? page.nextCursor : undefined;
  } while (cursor);
  return out;
}

async function findSecret(client: ElevenLabsClient, name: string): Promise<string | undefined> {
  let cursor: string | undefined;
  const ids: string[] = [];
  do {
    const page = await client.conversationalAi.secrets.list({ pageSize: PAGE, ...(cursor ? { cursor } : {}) });
    ids.push(...page.secrets.filter((s) => s.name === name).map((s) => s.secretId));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids[0];
}

function only<T extends { id: string }>(kind: string, name: string, found: T[]): T | undefined {
  if (found.length > 1) {
    throw new Error(`${found.length} ${kind}s are named ${name} (${found.map((f) => f.id).join(', ')}); delete all but one, then push again`);
  }
  return found[0];
}

export async function push(opts: PushOptions): Promise<PushResult> {
  const { client } = opts;
  const log = opts.log ?? (() => {});
  const changes: Change[] = [];
  const note = (c: Change) => {
    changes.push(c);
    const fields = c.fields?.length ? ` (${c.fields.slice(0, 6).join(', ')}${c.fields.length > 6 ? ', …' : ''})` : '';
    log(`${c.action.padEnd(9)} ${c.kind} ${c.name}${c.id ? ` ${c.id}` : ''}${fields}`);
  };

  // 1. The bearer secret, found by its fingerprinted name; created once.
  const name = await secretName(opts.toolSecret);
  let secretId = await findSecret(client, name);
  if (secretId) {
    note({ kind: 'secret', name, id: secretId, action: 'unchanged' });
  } else {
    secretId = (await client.conversationalAi.secrets.create({ name, value: secretValue(opts.toolSecret) })).secretId;
    note({ kind: 'secret', name, id: secretId, action: 'created' });
  }

  /** Create when absent; otherwise compare and update only what differs. Returns the id. */
  const reconcile = async (
    kind: 'tool' | 'agent',
    resource: string,
    existingId: string | undefined,
    desired: unknown,
    current: () => Promise<unknown>,
    create: () => Promise<string>,
    update: (id: string) => Promise<unknown>,
  ): Promise<string> => {
    if (existingId === undefined) {
      const id = await create();
      note({ kind, name: resource, id, action: 'created' });
      return id;
    }
    const fields = differences(desired, await current());
    if (fields.length > 0) await update(existingId);
    note({ kind, name: resource, id: existingId, ...(fields.length > 0 ? { action: 'updated', fields } : { action: 'unchanged' }) });
    return existingId;
  };

  // 2. Every tool, by name.
  const tools = buildTools({ publicUrl: opts.publicUrl, secretId, ...(opts.channel ? { channel: opts.channel } : {}) });
  const existing = await listAllTools(client);
  const toolIds: Record<string, string> = {};
  for (const t of tools) {
    const match = only('tool', t.name, existing.filter((e) => (e.toolConfig as { name?: string }).name === t.name));
    if (match && match.toolConfig.type !== 'webhook') {
      throw new Error(`tool ${t.name} (${match.id}) is a ${match.toolConfig.type} tool, not callgate's webhook; rename or delete it, then push again`);
    }
    toolIds[t.name] = await reconcile(
      'tool',
      t.name,
      match?.id,
      t.request.tool_config,
      async () => fromSdk.tool(match!).tool_config,
      async () => (await client.conversationalAi.tools.create(toSdk.tool(t.request))).id,
      (id) => client.conversationalAi.tools.update(id, toSdk.tool(t.request)),
    );
  }

  // 3. The agent, by name: base config with the pre-auth tool, workflow with the post-auth node.
  const agent = buildAgent({ name: opts.agentName, toolIds, tools, handoffNumber: opts.handoffNumber });
  const summary = only('agent', agent.name, (await listAgentsNamed(client, agent.name)).map((a) => ({ ...a, id: a.agentId })));
  const agentId = await reconcile(
    'agent',
    agent.name,
    summary?.agentId,
    agent,
    async () => fromSdk.agent(await client.conversationalAi.agents.get(summary!.agentId)),
    async () => (await client.conversationalAi.agents.create(toSdk.createAgent(agent))).agentId,
    (id) => client.conversationalAi.agents.update(id, toSdk.updateAgent(agent)),
  );

  // 4. The workspace's initiation webhook (the agent above allows its overrides).
  const settings = buildSettings({ publicUrl: opts.publicUrl, secretId });
  const currentSettings = fromSdk.settings(await client.conversationalAi.settings.get());
  const fields = differences(settings, currentSettings);
  const previousUrl = (currentSettings.conversation_initiation_client_data_webhook as { url?: string } | null | undefined)?.url;
  if (previousUrl && previousUrl !== settings.conversation_initiation_client_data_webhook?.url) {
    // The setting is workspace-wide: say whose webhook it replaces.
    log(`warning: replacing the workspace's initiation webhook ${previousUrl}`);
  }
  if (fields.length === 0) {
    note({ kind: 'settings', name: 'conversation_initiation_client_data_webhook', action: 'unchanged' });
  } else {
    await client.conversationalAi.settings.update(toSdk.settings(settings));
    note({ kind: 'settings', name: 'conversation_initiation_client_data_webhook', action: 'updated', fields });
  }

  const changed = changes.some((c) => c.action !== 'unchanged');
  log(changed ? `${changes.filter((c) => c.action !== 'unchanged').length} change(s) pushed; agent ${agentId}` : `no changes; agent ${agentId}`);
  return { changes, changed, agentId, secretId, toolIds, sent: { tools, agent, settings } };
}
