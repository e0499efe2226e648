// What push sends, checked without a network: the SDK's own request types accept it, identity is
// never LLM-filled, the secret never appears, and the workflow gate is deterministic.
import { afterEach, describe, expect, it } from 'vitest';
import { IDENTITY_FIELDS } from '../tools/define.js';
import { postAuthTools } from '../tools/post-auth/index.js';
import { MAX_WAIT_SECONDS } from '../tools/pre-auth/auth_orchestrator.js';
import { buildPlan, dynamicVariablePlaceholders, initiationPlaceholderVariables, secretName, secretValue, type Plan } from '../src/elevenlabs/configs.js';
import { EDGE, HUMAN_STEP, NEXT_STEP_VARIABLE, NODE, PRIVILEGED_VARIABLE } from '../src/elevenlabs/workflow.js';
import { PRE_AUTH_PROMPT } from '../src/elevenlabs/prompt.js';
import { serialization, STRICT, toSdk } from '../src/elevenlabs/wire.js';
import { makeTestApp, ring, type TestApp } from './helpers/app.js';

const TOOL_SECRET = 'tool-secret-that-must-never-appear-0123456789';
const PUBLIC = 'https://callgate.example.com';
const POST_NAMES = Object.keys(postAuthTools);

async function plan(extra: Partial<Parameters<typeof buildPlan>[0]> = {}): Promise<Plan> {
  const toolIds = Object.fromEntries(['auth_orchestrator', ...POST_NAMES].map((n) => [n, `tool_${n}_id`]));
  return buildPlan({ publicUrl: PUBLIC, secretName: await secretName(TOOL_SECRET), secretId: 'sec_123', toolIds, ...extra });
}

type Json = Record<string, any>;
/** Every AST node of an expression, depth first. */
function astNodes(n: Json): Json[] {
  return [n, ...(n.left ? astNodes(n.left) : []), ...(n.right ? astNodes(n.right) : []), ...((n.children as Json[] | undefined) ?? []).flatMap(astNodes)];
}

describe('generated configs validate against the SDK request types', () => {
  it('every tool, the agent (create and update) and the settings parse strictly and round-trip unchanged', async () => {
    const p = await plan({ handoffNumber: '+15550001111' });
    const roundTrip = (schema: { parseOrThrow(x: unknown, o: typeof STRICT): unknown; jsonOrThrow(x: unknown, o: object): unknown }, x: unknown) =>
      schema.jsonOrThrow(schema.parseOrThrow(x, STRICT), { unrecognizedObjectKeys: 'strip' });
    for (const t of p.tools) expect(roundTrip(serialization.ToolRequestModel, t.request), t.name).toEqual(t.request);
    expect(roundTrip(serialization.conversationalAi.BodyCreateAgentV1ConvaiAgentsCreatePost, p.agent)).toEqual(p.agent);
    expect(roundTrip(serialization.conversationalAi.UpdateAgentRequest, p.agent)).toEqual(p.agent);
    expect(roundTrip(serialization.conversationalAi.PatchConvAiSettingsRequest, p.settings)).toEqual(p.settings);
    // The camelCase objects the SDK methods take.
    expect(toSdk.tool(p.tools[0]!.request).toolConfig.type).toBe('webhook');
    expect(toSdk.createAgent(p.agent).workflow?.nodes?.[NODE.postAuth]).toMatchObject({ type: 'override_agent' });
  });

  it('a typo is refused before anything is sent', async () => {
    const p = await plan();
    const bad = structuredClone(p.tools[0]!.request) as Json;
    bad.tool_config.api_schema.request_body_schema.properties.action.descripton = 'typo';
    expect(() => toSdk.tool(bad as never)).toThrow(/descripton/);
  });

  it('the pre-auth tool outlasts the longest did_wait and copies the decision into dynamic variables', async () => {
    const cfg = (await plan()).tools.find((t) => t.name === 'auth_orchestrator')!.request.tool_config as Json;
    expect(cfg.response_timeout_secs).toBeGreaterThan(MAX_WAIT_SECONDS);
    expect(cfg.api_schema).toMatchObject({ url: `${PUBLIC}/tools/auth_orchestrator`, method: 'POST' });
    expect(cfg.assignments).toEqual(
      expect.arrayContaining([
        { source: 'response', dynamic_variable: 'auth_privileged_allowed', value_path: 'privileged_allowed' },
        { source: 'response', dynamic_variable: 'auth_next_step', value_path: 'next_required_step' },
        { source: 'response', dynamic_variable: 'auth_risk_tier', value_path: 'auth_state.risk_tier' },
      ]),
    );
  });
});

describe('identity parameters are never LLM-filled', () => {
  it.each(['telephony', 'web'] as const)('every tool binds call_id and conversation_id to system variables (%s)', async (channel) => {
    for (const t of (await plan({ channel })).tools) {
      const props = (t.request.tool_config as Json).api_schema.request_body_schema.properties as Record<string, Json>;
      for (const f of IDENTITY_FIELDS) {
        expect(props[f], `${t.name}.${f}`).toEqual({
          type: 'string',
          dynamic_variable: f === 'call_id' && channel === 'telephony' ? 'system__call_sid' : 'system__conversation_id',
        });
      }
      // A bound field has no description: nothing invites the LLM to fill it.
      for (const [field, leaf] of Object.entries(props)) {
        if (leaf.dynamic_variable) expect(leaf, `${t.name}.${field}`).not.toHaveProperty('description');
      }
    }
  });
});

describe('the bearer secret never appears in clear', () => {
  it('configs reference the workspace secret by id; its value is only the secret itself', async () => {
    const p = await plan();
    const text = JSON.stringify({ tools: p.tools, agent: p.agent, settings: p.settings, secret: p.secret });
    expect(text).not.toContain(TOOL_SECRET);
    expect(text).not.toMatch(/Bearer [^<]/);
    for (const t of p.tools) expect((t.request.tool_config as Json).api_schema.request_headers).toEqual({ Authorization: { secret_id: 'sec_123' } });
    expect(p.settings.conversation_initiation_client_data_webhook).toEqual({
      url: `${PUBLIC}/elevenlabs/initiation`,
      request_headers: { Authorization: { secret_id: 'sec_123' } },
    });
    expect(secretValue(TOOL_SECRET)).toBe(`Bearer ${TOOL_SECRET}`);
  });

  it('the secret name is stable for one secret, changes when it rotates, and does not reveal it', async () => {
    expect(await secretName(TOOL_SECRET)).toBe(await secretName(TOOL_SECRET));
    expect(await secretName(TOOL_SECRET)).not.toBe(await secretName(`${TOOL_SECRET}x`));
    expect(await secretName(TOOL_SECRET)).toMatch(/^callgate_tool_bearer_[0-9a-f]{12}$/);
  });
});

describe('the agent: post-auth tools only behind a deterministic gate', () => {
  it('no post-auth tool id or name is reachable from the base agent', async () => {
    const p = await plan();
    const postIds = POST_NAMES.map((n) => `tool_${n}_id`);
    expect(p.agent.conversation_config.agent?.prompt?.tool_ids).toEqual(['tool_auth_orchestrator_id']);
    const base = JSON.stringify({ conversation_config: p.agent.conversation_config, platform_settings: p.agent.platform_settings }).toLowerCase();
    for (const x of [...postIds, ...POST_NAMES]) expect(base, x).not.toContain(x.toLowerCase());
    // The only place a post-auth id appears is the post-auth node.
    const nodes = p.agent.workflow!.nodes as Record<string, Json>;
    for (const [id, node] of Object.entries(nodes)) {
      const ids: string[] = node.additional_tool_ids ?? [];
      if (id === NODE.postAuth) expect(ids).toEqual(postIds);
      else expect(ids.filter((i) => postIds.includes(i)), id).toEqual([]);
    }
  });

  it('the only edge into the post-auth node is an expression on auth_privileged_allowed == true', async () => {
    const wf = (await plan()).agent.workflow!;
    const edges = wf.edges as Record<string, Json>;
    const into = Object.entries(edges).filter(([, e]) => e.target === NODE.postAuth);
    expect(into.map(([id]) => id)).toEqual([EDGE.verified]);
    const [, edge] = into[0]!;
    expect(edge.source).toBe(NODE.preAuth);
    expect(edge.backward_condition ?? null).toBeNull();
    expect(edge.forward_condition.type).toBe('expression');
    const leaves = astNodes(edge.forward_condition.expression);
    expect(leaves.filter((n) => n.type === 'dynamic_variable').map((n) => n.name)).toEqual([PRIVILEGED_VARIABLE, PRIVILEGED_VARIABLE]);
    expect(leaves.filter((n) => n.type.endsWith('_literal')).map((n) => n.value)).toEqual([true, 'true']);
    expect(leaves.every((n) => ['or_operator', 'eq_operator', 'dynamic_variable', 'boolean_literal', 'string_literal'].includes(n.type))).toBe(true);
  });

  it('no edge anywhere is judged by an LLM', async () => {
    for (const e of Object.values((await plan()).agent.workflow!.edges as Record<string, Json>)) {
      for (const cond of [e.forward_condition, e.backward_condition].filter(Boolean)) {
        expect(['unconditional', 'expression']).toContain(cond.type);
        if (cond.type === 'expression') expect(astNodes(cond.expression).some((n) => n.type === 'llm')).toBe(false);
      }
    }
  });

  it.each([
    ['with a transfer number', '+15550001111', 'phone_number'],
    ['without one', undefined, 'end'],
  ])('hands off on next_required_step == transfer_to_human (%s)', async (_label, handoffNumber, type) => {
    const wf = (await plan({ handoffNumber })).agent.workflow!;
    const nodes = wf.nodes as Record<string, Json>;
    expect(nodes[NODE.handoff]!.type).toBe(type);
    if (handoffNumber) expect(nodes[NODE.handoff]!.transfer_destination).toEqual({ type: 'phone', phone_number: handoffNumber });
    const into = Object.values(wf.edges as Record<string, Json>).filter((e) => e.target === NODE.handoff);
    expect(into.map((e) => e.source).sort()).toEqual([NODE.postAuth, NODE.preAuth]);
    for (const e of into) {
      expect(e.forward_condition).toMatchObject({
        type: 'expression',
        expression: { type: 'eq_operator', left: { type: 'dynamic_variable', name: NEXT_STEP_VARIABLE }, right: { type: 'string_literal', value: HUMAN_STEP } },
      });
    }
    // A handoff is evaluated before anything else leaves a node.
    expect(nodes[NODE.preAuth]!.edge_order[0]).toBe(EDGE.preAuthHandoff);
    expect(nodes[NODE.postAuth]!.edge_order[0]).toBe(EDGE.postAuthHandoff);
  });

  it('allows the initiation webhook to set its dynamic variables', async () => {
    expect((await plan()).agent.platform_settings).toEqual({ overrides: { enable_conversation_initiation_client_data_from_webhook: true } });
  });

  it('the pre-auth prompt calls the orchestrator for every step and never names a privileged tool', () => {
    expect(PRE_AUTH_PROMPT).toMatch(/auth_orchestrator/);
    expect(PRE_AUTH_PROMPT).toMatch(/next_required_step/);
    expect(PRE_AUTH_PROMPT).toMatch(/verbatim/);
    expect(PRE_AUTH_PROMPT).toMatch(/prompts\.speak/);
    expect(PRE_AUTH_PROMPT).toMatch(/transfer_to_human/);
    for (const n of POST_NAMES) expect(PRE_AUTH_PROMPT).not.toContain(n);
  });
});

describe('dynamic variable placeholders', () => {
  let t: TestApp | undefined;
  afterEach(() => t?.close());

  it('cover every variable the tools read or assign and the workflow tests, with safe defaults', async () => {
    const p = await plan();
    const placeholders = p.agent.conversation_config.agent?.dynamic_variables as Json;
    expect(placeholders).toEqual({ dynamic_variable_placeholders: dynamicVariablePlaceholders(p.tools) });
    const vars = placeholders.dynamic_variable_placeholders as Record<string, unknown>;
    expect(vars.host_session_token).toBe('');
    expect(vars[PRIVILEGED_VARIABLE]).toBe(false);

    const used = new Set<string>();
    for (const tool of p.tools) {
      const cfg = tool.request.tool_config as Json;
      for (const leaf of Object.values(cfg.api_schema.request_body_schema.properties as Record<string, Json>)) if (leaf.dynamic_variable) used.add(leaf.dynamic_variable);
      for (const a of cfg.assignments as Json[]) used.add(a.dynamic_variable);
    }
    for (const e of Object.values(p.agent.workflow!.edges as Record<string, Json>)) {
      if (e.forward_condition.type === 'expression') for (const n of astNodes(e.forward_condition.expression)) if (n.type === 'dynamic_variable') used.add(n.name);
    }
    for (const v of used) if (!v.startsWith('system__')) expect(vars, v).toHaveProperty(v);
  });

  it('are exactly what the initiation webhook answers: every variable the pushed agent defines, the rest as neutral placeholders', async () => {
    t = await makeTestApp();
    for (const channel of ['telephony', 'web'] as const) {
      const agent = (await plan({ channel })).agent.conversation_config.agent as Json;
      const vars = agent.dynamic_variables.dynamic_variable_placeholders as Record<string, unknown>;
      for (const [callSid, callerId] of [['CAvars1', '+14155550142'], ['CAvars2', '+19995550000']] as const) {
        const answer = (await ring(t, callSid, callerId, { identify: false })).body.dynamic_variables as Record<string, unknown>;
        expect(Object.keys(answer).sort(), channel).toEqual(Object.keys(vars).sort());
        // What the webhook does not compute itself goes back as the agent's own placeholder.
        for (const k of Object.keys(vars)) if (!k.startsWith('auth_')) expect(answer[k], k).toBe(vars[k]);
      }
    }
    expect(Object.keys(initiationPlaceholderVariables())).toContain('host_session_token');
  });
});
