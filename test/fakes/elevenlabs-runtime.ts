// A simulated ElevenLabs conversation runtime that plays a phone call from the configuration a
// push stored in the fake API: it calls the workspace's initiation webhook, keeps the dynamic
// variables, offers only the tools of the current workflow node, builds each tool request from
// the pushed tool config (bound fields from dynamic variables, LLM fields from the test's
// script), sends it to the pushed URL with the pushed headers (secrets resolved from the fake's
// store), applies the tool's assignments and follows the workflow's edges. It refuses anything
// ElevenLabs could not do: an LLM filling a bound field, a tool the node does not have, an edge
// it cannot evaluate deterministically.
import type { FakeElevenLabs, StoredAgent } from './elevenlabs.js';

type Json = Record<string, any>;
export type Vars = Record<string, string | number | boolean | null>;

export interface CallStart {
  callSid: string;
  conversationId: string;
  callerId: string;
  calledNumber: string;
}

export interface ToolAnswer {
  status: number;
  body: Json;
}

function evaluate(node: Json, vars: Vars): unknown {
  switch (node.type) {
    case 'dynamic_variable':
      return vars[node.name];
    case 'boolean_literal':
    case 'string_literal':
    case 'number_literal':
      return node.value;
    case 'null_literal':
      return null;
    case 'eq_operator':
      return evaluate(node.left, vars) === evaluate(node.right, vars);
    case 'neq_operator':
      return evaluate(node.left, vars) !== evaluate(node.right, vars);
    case 'or_operator':
      return (node.children as Json[]).some((c) => evaluate(c, vars) === true);
    case 'and_operator':
      return (node.children as Json[]).every((c) => evaluate(c, vars) === true);
    default:
      throw new Error(`the simulated runtime evaluates no ${String(node.type)} node (an LLM judgement is not deterministic)`);
  }
}

function valueAt(json: unknown, path: string): unknown {
  let cur: unknown = json;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export class SimulatedConversation {
  node = '';
  readonly vars: Vars = {};
  readonly visited: string[] = [];
  readonly sent: { tool: string; url: string; headers: Record<string, string>; body: Json }[] = [];

  private constructor(
    private readonly fake: FakeElevenLabs,
    readonly agent: StoredAgent,
  ) {}

  /** Rings: the initiation webhook, then the workflow's first moves. */
  static async ring(fake: FakeElevenLabs, agentName: string, call: CallStart): Promise<SimulatedConversation> {
    const agent = fake.agentNamed(agentName);
    if (!agent) throw new Error(`no agent ${agentName} in the fake`);
    const conv = new SimulatedConversation(fake, agent);
    Object.assign(conv.vars, agent.conversation_config.agent?.dynamic_variables?.dynamic_variable_placeholders ?? {});
    Object.assign(conv.vars, {
      system__call_sid: call.callSid,
      system__conversation_id: call.conversationId,
      system__caller_id: call.callerId,
      system__called_number: call.calledNumber,
      system__agent_id: agent.id,
    });

    const hook = fake.settings.conversation_initiation_client_data_webhook as Json | null;
    if (hook && agent.platform_settings.overrides?.enable_conversation_initiation_client_data_from_webhook === true) {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...fake.resolveHeaders(hook.request_headers) },
        body: JSON.stringify({ caller_id: call.callerId, agent_id: agent.id, called_number: call.calledNumber, call_sid: call.callSid }),
      });
      const body = (await res.json()) as Json;
      // ElevenLabs drops a Twilio call when the answer is not of this type.
      if (res.status !== 200 || body.type !== 'conversation_initiation_client_data') {
        throw new Error(`initiation webhook answered ${res.status}: ${JSON.stringify(body)}`);
      }
      Object.assign(conv.vars, body.dynamic_variables);
    }
    conv.checkVariables();
    conv.enter(conv.startNode());
    conv.advance();
    return conv;
  }

  private get workflow(): Json {
    return this.agent.workflow ?? { nodes: {}, edges: {} };
  }

  private startNode(): string {
    const [id] = Object.entries(this.workflow.nodes as Record<string, Json>).find(([, n]) => n.type === 'start') ?? [];
    if (!id) throw new Error('workflow has no start node');
    return id;
  }

  private enter(id: string) {
    this.node = id;
    this.visited.push(id);
  }

  /** Follows the first edge (in the node's edge order) whose condition holds, until none does. */
  advance(): void {
    for (let hops = 0; hops < 10; hops++) {
      const edges = this.workflow.edges as Record<string, Json>;
      const node = (this.workflow.nodes as Record<string, Json>)[this.node]!;
      const order: string[] = node.edge_order?.length ? node.edge_order : Object.keys(edges).filter((e) => edges[e]!.source === this.node);
      const next = order.map((id) => edges[id]!).find((e) => {
        const cond = e.forward_condition ?? { type: 'unconditional' };
        if (cond.type === 'unconditional') return true;
        if (cond.type === 'expression') return evaluate(cond.expression, this.vars) === true;
        throw new Error(`edge condition ${String(cond.type)} is not deterministic`);
      });
      if (!next) return;
      this.enter(next.target);
    }
    throw new Error('workflow loops');
  }

  /** Tool ids the current node offers: the agent's own plus the node's additional ones. */
  availableToolIds(): string[] {
    const base: string[] = this.agent.conversation_config.agent?.prompt?.tool_ids ?? [];
    const node = (this.workflow.nodes as Record<string, Json>)[this.node] ?? {};
    return [...base, ...((node.additional_tool_ids as string[] | undefined) ?? [])];
  }

  availableToolNames(): string[] {
    return this.availableToolIds().map((id) => this.fake.tools.get(id)?.config.name as string);
  }

  /** ElevenLabs refuses to start a conversation when a variable a tool reads has no value. */
  private checkVariables() {
    const ids = new Set([...this.availableToolIds(), ...Object.values(this.workflow.nodes as Record<string, Json>).flatMap((n) => n.additional_tool_ids ?? [])]);
    for (const id of ids) {
      const props = (this.fake.tools.get(id)?.config.api_schema?.request_body_schema?.properties ?? {}) as Record<string, Json>;
      for (const leaf of Object.values(props)) {
        if (leaf.dynamic_variable && this.vars[leaf.dynamic_variable] === undefined) {
          throw new Error(`Missing required dynamic variables in tools: ${leaf.dynamic_variable}`);
        }
      }
    }
  }

  /** The LLM decides to call `name` with `llmArgs`; everything else comes from the pushed config. */
  async callTool(name: string, llmArgs: Record<string, unknown> = {}): Promise<ToolAnswer> {
    const id = this.availableToolIds().find((i) => this.fake.tools.get(i)?.config.name === name);
    if (!id) throw new Error(`tool ${name} is not available in node ${this.node}`);
    const config = this.fake.tools.get(id)!.config as Json;
    const schema = (config.api_schema.request_body_schema ?? { properties: {}, required: [] }) as Json;
    const body: Json = {};
    for (const [field, leaf] of Object.entries(schema.properties as Record<string, Json>)) {
      if (leaf.dynamic_variable) {
        if (field in llmArgs) throw new Error(`the LLM cannot fill ${name}.${field}: it is bound to ${leaf.dynamic_variable}`);
        body[field] = this.vars[leaf.dynamic_variable];
      } else if (leaf.constant_value !== undefined && leaf.constant_value !== null) {
        body[field] = leaf.constant_value;
      } else if (leaf.description !== undefined && field in llmArgs) {
        if (leaf.enum && !leaf.enum.includes(llmArgs[field])) throw new Error(`${name}.${field}: ${String(llmArgs[field])} is not in its enum`);
        body[field] = llmArgs[field];
      }
    }
    for (const field of Object.keys(llmArgs)) if (!(field in schema.properties)) throw new Error(`${name} has no parameter ${field}`);
    for (const field of schema.required ?? []) if (body[field] === undefined) throw new Error(`${name}: required ${field} has no value`);

    const headers = { 'content-type': 'application/json', ...this.fake.resolveHeaders(config.api_schema.request_headers) };
    const url = config.api_schema.url as string;
    this.sent.push({ tool: name, url, headers, body });
    const res = await fetch(url, {
      method: config.api_schema.method ?? 'GET',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout((config.response_timeout_secs ?? 20) * 1000),
    });
    const answer = (await res.json()) as Json;
    if (res.ok) {
      for (const a of (config.assignments ?? []) as Json[]) {
        const v = valueAt(answer, a.value_path);
        if (v !== undefined) this.vars[a.dynamic_variable] = v as Vars[string];
      }
    }
    this.advance();
    return { status: res.status, body: answer };
  }
}
