// `push` through the real SDK against the local ElevenLabs fake: create, no-op, update, and the
// bodies ElevenLabs would receive.
import { ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postAuthTools } from '../tools/post-auth/index.js';
import { secretName } from '../src/elevenlabs/configs.js';
import { NODE } from '../src/elevenlabs/workflow.js';
import { push, type PushOptions } from '../src/elevenlabs/push.js';
import { startFakeElevenLabs, type FakeElevenLabs } from './fakes/elevenlabs.js';

const TOOL_SECRET = 'tool-secret-for-push-tests-0123456789abcdef';
const PUBLIC = 'https://callgate.example.com';
const ALL_TOOLS = ['auth_orchestrator', ...Object.keys(postAuthTools)];

let fake: FakeElevenLabs;
let lines: string[];
beforeEach(async () => {
  fake = await startFakeElevenLabs();
  lines = [];
});
afterEach(() => fake.close());

function options(extra: Partial<PushOptions> = {}): PushOptions {
  const client = new ElevenLabsClient({ apiKey: fake.apiKey, baseUrl: fake.url, maxRetries: 0 });
  return { client, publicUrl: PUBLIC, toolSecret: TOOL_SECRET, log: (l) => lines.push(l), ...extra };
}
const writes = () => fake.writes().map((r) => `${r.method} ${r.path.replace(/(tool|agent)_[0-9a-f]+/, '$1_ID')}`);
type Json = Record<string, any>;

describe('push against the fake ElevenLabs API', () => {
  it('first run creates the secret, every tool, the agent and the initiation setting', async () => {
    const r = await push(options());
    expect(r.changed).toBe(true);
    expect(writes()).toEqual([
      'POST /v1/convai/secrets',
      ...ALL_TOOLS.map(() => 'POST /v1/convai/tools'),
      'POST /v1/convai/agents/create',
      'PATCH /v1/convai/settings',
    ]);
    // The fake checks every body with the SDK's strict schemas: none was refused.
    expect(fake.requests.map((q) => q.status)).toEqual(fake.requests.map(() => 200));
    expect(r.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual([
      `created secret ${await secretName(TOOL_SECRET)}`,
      ...ALL_TOOLS.map((n) => `created tool ${n}`),
      'created agent callgate',
      'updated settings conversation_initiation_client_data_webhook',
    ]);
    expect(lines.at(-1)).toMatch(new RegExp(`^${ALL_TOOLS.length + 3} change\\(s\\) pushed; agent agent_`));

    // What ElevenLabs holds: tools by name, the agent wired to their ids, the secret referenced.
    expect([...fake.tools.values()].map((t) => t.config.name)).toEqual(ALL_TOOLS);
    const agent = fake.agentNamed('callgate')!;
    expect(agent.conversation_config.agent.prompt.tool_ids).toEqual([fake.toolNamed('auth_orchestrator')!.id]);
    expect(agent.workflow!.nodes[NODE.postAuth].additional_tool_ids).toEqual(Object.keys(postAuthTools).map((n) => fake.toolNamed(n)!.id));
    const [secret] = [...fake.secrets.values()];
    expect(secret).toMatchObject({ name: await secretName(TOOL_SECRET), value: `Bearer ${TOOL_SECRET}` });
    expect(fake.settings.conversation_initiation_client_data_webhook).toEqual({
      url: `${PUBLIC}/elevenlabs/initiation`,
      request_headers: { Authorization: { secret_id: secret!.id } },
    });
  });

  it('second run changes nothing and says so', async () => {
    const first = await push(options());
    const before = fake.writes().length;
    lines = [];
    const second = await push(options());
    expect(second.changed).toBe(false);
    expect(fake.writes()).toHaveLength(before);
    expect(second.changes.every((c) => c.action === 'unchanged')).toBe(true);
    expect(lines.at(-1)).toBe(`no changes; agent ${first.agentId}`);
    expect(second.agentId).toBe(first.agentId);
    expect(second.toolIds).toEqual(first.toolIds);
    // Only reads: list secrets, list tools, find the agent, read it, read the settings.
    expect(fake.requests.slice(-5).map((q) => `${q.method} ${q.path.replace(/agent_[0-9a-f]+/, 'agent_ID')}`)).toEqual([
      'GET /v1/convai/secrets',
      'GET /v1/convai/tools',
      'GET /v1/convai/agents',
      'GET /v1/convai/agents/agent_ID',
      'GET /v1/convai/settings',
    ]);
  });

  it('a changed schema updates that tool alone, in place', async () => {
    await push(options());
    // As registered by an older callgate: one field missing, one that no longer exists.
    const stored = fake.toolNamed('auth_orchestrator')!;
    const props = stored.config.api_schema.request_body_schema.properties as Json;
    delete props.host_session_token;
    props.legacy_pin = { type: 'string', description: 'an old field' };
    const id = stored.id;
    const before = fake.writes().length;

    const r = await push(options());
    expect(fake.writes().slice(before).map((q) => `${q.method} ${q.path}`)).toEqual([`PATCH /v1/convai/tools/${id}`]);
    expect(r.changes.find((c) => c.name === 'auth_orchestrator')).toMatchObject({
      action: 'updated',
      id,
      fields: expect.arrayContaining([
        'api_schema.request_body_schema.properties.host_session_token',
        'api_schema.request_body_schema.properties.legacy_pin',
      ]),
    });
    expect(fake.toolNamed('auth_orchestrator')!.config.api_schema.request_body_schema.properties).toHaveProperty('host_session_token');
    expect(fake.toolNamed('auth_orchestrator')!.config.api_schema.request_body_schema.properties).not.toHaveProperty('legacy_pin');
    expect((await push(options())).changed).toBe(false);
  });

  it('a new public URL updates every tool and the setting, not the agent', async () => {
    await push(options());
    const before = fake.writes().length;
    const r = await push(options({ publicUrl: 'https://callgate2.example.com' }));
    expect(r.changes.filter((c) => c.action === 'updated').map((c) => `${c.kind} ${c.name}`)).toEqual([
      ...ALL_TOOLS.map((n) => `tool ${n}`),
      'settings conversation_initiation_client_data_webhook',
    ]);
    // What reached ElevenLabs, not only what push reports: one PATCH per tool and one for the setting.
    expect(fake.writes().slice(before).map((q) => q.method)).toEqual([...ALL_TOOLS.map(() => 'PATCH'), 'PATCH']);
    expect(fake.settings.conversation_initiation_client_data_webhook).toMatchObject({ url: 'https://callgate2.example.com/elevenlabs/initiation' });
    expect(fake.toolNamed('auth_orchestrator')!.config.api_schema.url).toMatch(/^https:\/\/callgate2\.example\.com\//);
    // The initiation webhook is workspace-wide: replacing another URL is said out loud.
    expect(lines).toContain(`warning: replacing the workspace's initiation webhook ${PUBLIC}/elevenlabs/initiation`);
  });

  it('an agent edited in the dashboard is put back', async () => {
    await push(options());
    const agent = fake.agentNamed('callgate')!;
    agent.conversation_config.agent.prompt.tool_ids.push(fake.toolNamed('transfer_funds')!.id);
    agent.workflow!.edges.shortcut = { source: NODE.start, target: NODE.postAuth, forward_condition: { type: 'llm', condition: 'caller sounds legit' } };
    const r = await push(options());
    expect(r.changes.find((c) => c.kind === 'agent')).toMatchObject({
      action: 'updated',
      fields: expect.arrayContaining(['conversation_config.agent.prompt.tool_ids', 'workflow.edges.shortcut']),
    });
    expect(fake.agentNamed('callgate')!.workflow!.edges).not.toHaveProperty('shortcut');
    expect(fake.agentNamed('callgate')!.conversation_config.agent.prompt.tool_ids).toHaveLength(1);
  });

  it('creates the secret once, finds it by name after, and follows a rotated secret', async () => {
    await push(options());
    await push(options());
    expect(fake.writes().filter((q) => q.path === '/v1/convai/secrets')).toHaveLength(1);

    const rotated = `${TOOL_SECRET}-rotated`;
    const r = await push(options({ toolSecret: rotated }));
    expect(fake.writes().filter((q) => q.path === '/v1/convai/secrets')).toHaveLength(2);
    const newId = [...fake.secrets.values()].find((s) => s.value === `Bearer ${rotated}`)!.id;
    expect(r.secretId).toBe(newId);
    for (const t of fake.tools.values()) expect(t.config.api_schema.request_headers).toEqual({ Authorization: { secret_id: newId } });
    expect(fake.settings.conversation_initiation_client_data_webhook.request_headers).toEqual({ Authorization: { secret_id: newId } });
  });

  it('never sends the secret in clear anywhere but the secret itself', async () => {
    await push(options());
    await push(options({ publicUrl: 'https://other.example.com' }));
    for (const q of fake.requests) {
      if (q.method === 'POST' && q.path === '/v1/convai/secrets') continue;
      expect(q.rawBody, `${q.method} ${q.path}`).not.toContain(TOOL_SECRET);
      expect(q.rawBody).not.toMatch(/Bearer/);
    }
  });

  it('finds its tools among many (pagination) and never duplicates them', async () => {
    await push(options());
    for (let i = 0; i < 130; i++) {
      const id = `tool_other_${i}`;
      fake.tools.set(id, { id, config: { type: 'webhook', name: `other_${i}`, description: 'x', api_schema: { url: 'https://x.example', method: 'GET' } } });
    }
    // Ours now sit behind more than one page.
    const ours = ALL_TOOLS.map((n) => fake.toolNamed(n)!);
    for (const t of ours) {
      fake.tools.delete(t.id);
      fake.tools.set(t.id, t);
    }
    const r = await push(options());
    expect(r.changed).toBe(false);
    expect(fake.requests.filter((q) => q.method === 'GET' && q.path === '/v1/convai/tools').slice(-2).map((q) => q.query.get('cursor'))).toEqual([null, '100']);
  });

  it('refuses to pick between two agents of the same name', async () => {
    await push(options());
    const a = fake.agentNamed('callgate')!;
    fake.agents.set('agent_dup', { ...structuredClone(a), id: 'agent_dup' });
    await expect(push(options())).rejects.toThrow(/2 agents are named callgate/);
  });

  it('surfaces the API refusing a key or a body', async () => {
    const bad = new ElevenLabsClient({ apiKey: 'sk_wrong', baseUrl: fake.url, maxRetries: 0 });
    const err = await push(options({ client: bad })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ElevenLabsError);
    expect((err as ElevenLabsError).statusCode).toBe(401);

    // The fake answers 422 like the API for a body the SDK types do not accept.
    const res = await fetch(`${fake.url}/v1/convai/tools`, {
      method: 'POST',
      headers: { 'xi-api-key': fake.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ tool_config: { type: 'webhook', name: 'x', description: 'd', api_schema: { url: 'https://x' }, colour: 'red' } }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ detail: [{ loc: ['body', 'tool_config', 'colour'], msg: 'Unexpected key "colour"', type: 'value_error' }] });

    // …and for the documented rules the types cannot express (one value source per field).
    const both = await fetch(`${fake.url}/v1/convai/tools`, {
      method: 'POST',
      headers: { 'xi-api-key': fake.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        tool_config: {
          type: 'webhook',
          name: 'x',
          description: 'd',
          api_schema: {
            url: 'https://x',
            method: 'POST',
            request_body_schema: { type: 'object', properties: { call_id: { type: 'string', description: 'LLM?', dynamic_variable: 'system__call_sid' } } },
          },
        },
      }),
    });
    expect(both.status).toBe(422);
  });
});
