// A local stand-in for api.elevenlabs.io, for the calls `npm run elevenlabs -- push` makes through
// the real SDK (`new ElevenLabsClient({apiKey, baseUrl: fake.url})`):
//   GET/POST /v1/convai/tools, GET/PATCH /v1/convai/tools/{id}
//   GET /v1/convai/agents, POST /v1/convai/agents/create, GET/PATCH /v1/convai/agents/{id}
//   GET/POST /v1/convai/secrets
//   GET/PATCH /v1/convai/settings
// Every request body is checked with the SDK's own serialization schemas in strict mode (an
// unknown or mistyped field is a 422 with FastAPI's `{detail: [{loc, msg, type}]}`, like the real
// API), plus the documented rules the types cannot say (tool names, timeouts, one value source
// per body field, ids that must exist). Answers carry server defaults the way the API does, so a
// push must compare by subset. Every request is recorded with its parsed JSON.
import { randomBytes } from 'node:crypto';
import { serialization, STRICT } from '../../src/elevenlabs/wire.js';
import { startRecordingServer, type FakeControls, type RecordedRequest, type Reply } from './server.js';

export const FAKE_ELEVENLABS_API_KEY = 'sk_fake_0123456789abcdef';

type Json = Record<string, any>;

export interface ElevenLabsRequest extends RecordedRequest {
  /** The parsed JSON body (undefined for GET or a non-JSON body). */
  json: unknown;
}

export interface StoredTool {
  id: string;
  config: Json;
}
export interface StoredAgent {
  id: string;
  name: string;
  tags: string[];
  conversation_config: Json;
  platform_settings: Json;
  workflow: Json | null;
  created: number;
  updated: number;
}
export interface StoredSecret {
  id: string;
  name: string;
  value: string;
}

export interface FakeElevenLabs extends FakeControls {
  url: string;
  apiKey: string;
  requests: ElevenLabsRequest[];
  tools: Map<string, StoredTool>;
  agents: Map<string, StoredAgent>;
  secrets: Map<string, StoredSecret>;
  settings: Json;
  /** Requests that change something (POST/PATCH/DELETE), in order. */
  writes(): ElevenLabsRequest[];
  toolNamed(name: string): StoredTool | undefined;
  agentNamed(name: string): StoredAgent | undefined;
  /** Header values as ElevenLabs sends them: `{secret_id}` replaced by the stored secret. */
  resolveHeaders(headers: Record<string, unknown> | null | undefined): Record<string, string>;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const LEAF_SOURCES = ['description', 'dynamic_variable', 'constant_value', 'is_system_provided', 'is_omitted'] as const;
const ACCESS_INFO = { is_creator: true, creator_name: 'Fake Owner', creator_email: 'owner@example.com', role: 'admin' };

type Issue = { loc: (string | number)[]; msg: string; type: string };
const unprocessable = (issues: Issue[]): Reply => ({ status: 422, body: JSON.stringify({ detail: issues }) });
const ok = (body: unknown, status = 200): Reply => ({ status, body: JSON.stringify(body) });
const notFound = (what: string): Reply => ({ status: 404, body: JSON.stringify({ detail: { status: 'not_found', message: `${what} not found` } }) });

function schemaIssues(
  schema: { parse(raw: unknown, opts: typeof STRICT): { ok: true } | { ok: false; errors: { path: string[]; message: string }[] } },
  body: unknown,
): Issue[] {
  const r = schema.parse(body, STRICT);
  return r.ok ? [] : r.errors.map((e) => ({ loc: ['body', ...e.path], msg: e.message, type: 'value_error' }));
}

const present = (v: unknown): boolean => v !== undefined && v !== null;

export async function startFakeElevenLabs(opts: { apiKey?: string } = {}): Promise<FakeElevenLabs> {
  const apiKey = opts.apiKey ?? FAKE_ELEVENLABS_API_KEY;
  const tools = new Map<string, StoredTool>();
  const agents = new Map<string, StoredAgent>();
  const secrets = new Map<string, StoredSecret>();
  let settings: Json = {
    conversation_initiation_client_data_webhook: null,
    webhooks: { post_call_webhook_id: null, events: [], send_audio: false },
    can_use_mcp_servers: false,
    rag_retention_period_days: 10,
  };
  const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
  const now = () => Math.floor(Date.now() / 1000);

  // ── documented rules beyond the types ──────────────────────────────────────────────────────
  function secretRefIssues(headers: Json | null | undefined, loc: (string | number)[]): Issue[] {
    const out: Issue[] = [];
    for (const [k, v] of Object.entries(headers ?? {})) {
      if (v && typeof v === 'object' && 'secret_id' in v && !secrets.has(String(v.secret_id))) {
        out.push({ loc: [...loc, k, 'secret_id'], msg: `secret ${String(v.secret_id)} does not exist`, type: 'value_error' });
      }
    }
    return out;
  }

  function toolIssues(config: Json): Issue[] {
    const out: Issue[] = [];
    const loc = ['body', 'tool_config'];
    if (!TOOL_NAME.test(String(config.name))) out.push({ loc: [...loc, 'name'], msg: 'string does not match ^[a-zA-Z0-9_-]{1,64}$', type: 'value_error' });
    const timeout = config.response_timeout_secs;
    if (present(timeout) && (timeout < 5 || timeout > 120)) out.push({ loc: [...loc, 'response_timeout_secs'], msg: 'must be 5..120', type: 'value_error' });
    if (config.type === 'webhook') {
      const api = config.api_schema as Json;
      for (const [field, leaf] of Object.entries((api.request_body_schema?.properties ?? {}) as Record<string, Json>)) {
        const n = LEAF_SOURCES.filter((s) => present(leaf[s]) && leaf[s] !== false && leaf[s] !== '').length;
        if (n !== 1) {
          out.push({
            loc: [...loc, 'api_schema', 'request_body_schema', 'properties', field],
            msg: 'exactly one of description, dynamic_variable, constant_value, is_system_provided, is_omitted must be set',
            type: 'value_error',
          });
        }
      }
      out.push(...secretRefIssues(api.request_headers, [...loc, 'api_schema', 'request_headers']));
    }
    return out;
  }

  function agentIssues(body: Json): Issue[] {
    const out: Issue[] = [];
    const toolIds: unknown[] = body.conversation_config?.agent?.prompt?.tool_ids ?? [];
    toolIds.forEach((id, i) => {
      if (!tools.has(String(id))) out.push({ loc: ['body', 'conversation_config', 'agent', 'prompt', 'tool_ids', i], msg: `tool ${String(id)} does not exist`, type: 'value_error' });
    });
    const wf = body.workflow as Json | null | undefined;
    if (wf) {
      const nodes = (wf.nodes ?? {}) as Record<string, Json>;
      const edges = (wf.edges ?? {}) as Record<string, Json>;
      const starts = Object.values(nodes).filter((n) => n.type === 'start').length;
      if (Object.keys(nodes).length && starts !== 1) out.push({ loc: ['body', 'workflow', 'nodes'], msg: 'exactly one start node', type: 'value_error' });
      for (const [id, e] of Object.entries(edges)) {
        for (const end of ['source', 'target'] as const) {
          if (!(e[end] in nodes)) out.push({ loc: ['body', 'workflow', 'edges', id, end], msg: `unknown node ${String(e[end])}`, type: 'value_error' });
        }
      }
      for (const [id, n] of Object.entries(nodes)) {
        for (const [i, toolId] of ((n.additional_tool_ids ?? []) as unknown[]).entries()) {
          if (!tools.has(String(toolId))) out.push({ loc: ['body', 'workflow', 'nodes', id, 'additional_tool_ids', i], msg: `tool ${String(toolId)} does not exist`, type: 'value_error' });
        }
        for (const [i, edgeId] of ((n.edge_order ?? []) as string[]).entries()) {
          if (edges[edgeId]?.source !== id) out.push({ loc: ['body', 'workflow', 'nodes', id, 'edge_order', i], msg: `edge ${edgeId} does not leave ${id}`, type: 'value_error' });
        }
      }
    }
    return out;
  }

  // ── answers shaped like the API's, with its defaults filled in ─────────────────────────────
  const toolView = (t: StoredTool) => ({
    id: t.id,
    tool_config: {
      ...t.config,
      disable_interruptions: t.config.disable_interruptions ?? false,
      force_pre_tool_speech: t.config.force_pre_tool_speech ?? false,
      execution_mode: t.config.execution_mode ?? 'immediate',
      tool_error_handling_mode: t.config.tool_error_handling_mode ?? 'auto',
      dynamic_variables: t.config.dynamic_variables ?? { dynamic_variable_placeholders: {} },
      api_schema: { content_type: 'application/json', ...t.config.api_schema },
    },
    access_info: ACCESS_INFO,
    usage_stats: { total_calls: 0, avg_latency_secs: 0 },
  });

  const nodeView = (n: Json): Json => {
    const base = { position: { x: 0, y: 0 }, edge_order: [], ...n };
    if (n.type === 'override_agent') {
      return { conversation_config: {}, additional_prompt: '', additional_knowledge_base: [], additional_tool_ids: [], entry_behavior: 'auto', ...base };
    }
    if (n.type === 'phone_number') return { custom_sip_headers: [], sip_refer_play_dialtone: false, transfer_type: 'conference', ...base };
    return base;
  };

  const agentView = (a: StoredAgent) => {
    const cc = a.conversation_config;
    return {
      agent_id: a.id,
      name: a.name,
      tags: a.tags,
      conversation_config: {
        asr: { quality: 'high', provider: 'elevenlabs', user_input_audio_format: 'pcm_16000', keywords: [] },
        tts: { model_id: 'eleven_flash_v2', voice_id: 'cjVigY5qzO86Huf0OWal' },
        ...cc,
        agent: { language: 'en', ...cc.agent, prompt: { llm: 'gemini-2.0-flash', temperature: 0, tool_ids: [], ...cc.agent?.prompt } },
      },
      metadata: { created_at_unix_secs: a.created, updated_at_unix_secs: a.updated },
      platform_settings: { ...a.platform_settings, overrides: { custom_llm_extra_body: false, ...a.platform_settings.overrides } },
      workflow: {
        nodes: Object.fromEntries(Object.entries((a.workflow?.nodes ?? {}) as Record<string, Json>).map(([k, n]) => [k, nodeView(n)])),
        edges: a.workflow?.edges ?? {},
        prevent_subagent_loops: a.workflow?.prevent_subagent_loops ?? false,
      },
    };
  };

  function page<T>(items: T[], q: URLSearchParams): { items: T[]; next: string | null } | Reply {
    const size = q.has('page_size') ? Number(q.get('page_size')) : 30;
    if (!Number.isInteger(size) || size < 1 || size > 100) return unprocessable([{ loc: ['query', 'page_size'], msg: 'must be 1..100', type: 'value_error' }]);
    const start = q.has('cursor') ? Number(q.get('cursor')) : 0;
    const slice = items.slice(start, start + size);
    return { items: slice, next: start + size < items.length ? String(start + size) : null };
  }
  const isReply = (v: unknown): v is Reply => typeof v === 'object' && v !== null && 'status' in v;

  // ── routes ─────────────────────────────────────────────────────────────────────────────────
  function route(r: ElevenLabsRequest): Reply {
    if (r.headers['xi-api-key'] !== apiKey) {
      return { status: 401, body: JSON.stringify({ detail: { status: 'invalid_api_key', message: 'Invalid API key' } }) };
    }
    if ((r.method === 'POST' || r.method === 'PATCH') && r.json === undefined) {
      return unprocessable([{ loc: ['body'], msg: 'a JSON body is required', type: 'value_error' }]);
    }
    const body = r.json as Json;
    const m = (re: RegExp) => re.exec(r.path);
    let match: RegExpExecArray | null;

    if (r.path === '/v1/convai/tools' && r.method === 'GET') {
      const p = page([...tools.values()], r.query);
      if (isReply(p)) return p;
      return ok({ tools: p.items.map(toolView), has_more: p.next !== null, next_cursor: p.next });
    }
    if (r.path === '/v1/convai/tools' && r.method === 'POST') {
      const issues = schemaIssues(serialization.ToolRequestModel, body);
      if (issues.length === 0) issues.push(...toolIssues(body.tool_config));
      if (issues.length) return unprocessable(issues);
      const t: StoredTool = { id: newId('tool'), config: body.tool_config };
      tools.set(t.id, t);
      return ok(toolView(t));
    }
    if ((match = m(/^\/v1\/convai\/tools\/([^/]+)$/))) {
      const t = tools.get(decodeURIComponent(match[1]!));
      if (!t) return notFound('tool');
      if (r.method === 'GET') return ok(toolView(t));
      if (r.method === 'PATCH') {
        const issues = schemaIssues(serialization.ToolRequestModel, body);
        if (issues.length === 0) issues.push(...toolIssues(body.tool_config));
        if (issues.length) return unprocessable(issues);
        t.config = body.tool_config;
        return ok(toolView(t));
      }
    }

    if (r.path === '/v1/convai/agents' && r.method === 'GET') {
      const search = (r.query.get('search') ?? '').toLowerCase();
      const p = page([...agents.values()].filter((a) => a.name.toLowerCase().includes(search)), r.query);
      if (isReply(p)) return p;
      return ok({
        agents: p.items.map((a) => ({
          agent_id: a.id,
          name: a.name,
          voice_id: 'cjVigY5qzO86Huf0OWal',
          tags: a.tags,
          created_at_unix_secs: a.created,
          access_info: ACCESS_INFO,
          archived: false,
        })),
        has_more: p.next !== null,
        next_cursor: p.next,
      });
    }
    if (r.path === '/v1/convai/agents/create' && r.method === 'POST') {
      const issues = schemaIssues(serialization.conversationalAi.BodyCreateAgentV1ConvaiAgentsCreatePost, body);
      if (issues.length === 0) issues.push(...agentIssues(body));
      if (issues.length) return unprocessable(issues);
      const a: StoredAgent = {
        id: newId('agent'),
        name: body.name ?? 'Untitled agent',
        tags: body.tags ?? [],
        conversation_config: body.conversation_config,
        platform_settings: body.platform_settings ?? {},
        workflow: body.workflow ?? null,
        created: now(),
        updated: now(),
      };
      agents.set(a.id, a);
      return ok({ agent_id: a.id });
    }
    if ((match = m(/^\/v1\/convai\/agents\/([^/]+)$/))) {
      const a = agents.get(decodeURIComponent(match[1]!));
      if (!a) return notFound('agent');
      if (r.method === 'GET') return ok(agentView(a));
      if (r.method === 'PATCH') {
        const issues = schemaIssues(serialization.conversationalAi.UpdateAgentRequest, body);
        if (issues.length === 0) issues.push(...agentIssues(body));
        if (issues.length) return unprocessable(issues);
        if (present(body.name)) a.name = body.name;
        if (present(body.tags)) a.tags = body.tags;
        if (present(body.conversation_config)) a.conversation_config = body.conversation_config;
        if (present(body.platform_settings)) a.platform_settings = body.platform_settings;
        if (present(body.workflow)) a.workflow = body.workflow;
        a.updated = now();
        return ok(agentView(a));
      }
    }

    if (r.path === '/v1/convai/secrets' && r.method === 'GET') {
      return ok({
        secrets: [...secrets.values()].map((s) => ({ type: 'stored', secret_id: s.id, name: s.name, used_by: { tools: [], agents: [], others: [] } })),
        next_cursor: null,
      });
    }
    if (r.path === '/v1/convai/secrets' && r.method === 'POST') {
      // The SDK adds the discriminator literal `type: "new"` to the generated request body.
      const { type, ...rest } = body;
      const issues = schemaIssues(serialization.conversationalAi.PostWorkspaceSecretRequest, rest);
      if (type !== 'new') issues.push({ loc: ['body', 'type'], msg: 'must be "new"', type: 'value_error' });
      if (issues.length) return unprocessable(issues);
      const s: StoredSecret = { id: newId('secret'), name: body.name, value: body.value };
      secrets.set(s.id, s);
      return ok({ type: 'stored', secret_id: s.id, name: s.name });
    }

    if (r.path === '/v1/convai/settings' && r.method === 'GET') return ok(settings);
    if (r.path === '/v1/convai/settings' && r.method === 'PATCH') {
      const issues = schemaIssues(serialization.conversationalAi.PatchConvAiSettingsRequest, body);
      if (issues.length === 0) {
        issues.push(
          ...secretRefIssues(body.conversation_initiation_client_data_webhook?.request_headers, [
            'body',
            'conversation_initiation_client_data_webhook',
            'request_headers',
          ]),
        );
      }
      if (issues.length) return unprocessable(issues);
      settings = { ...settings, ...Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) };
      return ok(settings);
    }
    return { status: 404, body: JSON.stringify({ detail: 'Not Found' }) };
  }

  const fake = await startRecordingServer<ElevenLabsRequest>(
    (req) => {
      let json: unknown;
      if (req.rawBody) {
        try {
          json = JSON.parse(req.rawBody);
        } catch {
          json = undefined;
        }
      }
      return { ...req, json };
    },
    route,
    (status) => JSON.stringify({ detail: { status: 'error', message: `injected ${status}` } }),
  );

  return {
    ...fake,
    apiKey,
    tools,
    agents,
    secrets,
    get settings() {
      return settings;
    },
    writes: () => fake.requests.filter((r) => r.method !== 'GET'),
    toolNamed: (name) => [...tools.values()].find((t) => t.config.name === name),
    agentNamed: (name) => [...agents.values()].find((a) => a.name === name),
    resolveHeaders(headers) {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(headers ?? {})) {
        if (typeof v === 'string') out[k] = v;
        else if (v && typeof v === 'object' && 'secret_id' in v) {
          const s = secrets.get(String((v as { secret_id: unknown }).secret_id));
          if (!s) throw new Error(`header ${k}: unknown secret`);
          out[k] = s.value;
        } else throw new Error(`header ${k}: unsupported value ${JSON.stringify(v)}`);
      }
      return out;
    },
  };
}
