import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool, describeTool, IDENTITY_FIELDS, TOOL_CHANNELS, type ToolDef } from './define.js';
import { postAuthToolPath, postAuthTools } from './post-auth/index.js';
import { preAuthToolPath, preAuthTools } from './pre-auth/index.js';
import { toToolConfig, type ElevenLabsWebhookToolConfig } from './tool-config.js';

const BASE = 'https://callgate.example.com';
const SOURCES = ['description', 'dynamic_variable', 'constant_value', 'is_system_provided', 'is_omitted'] as const;

const allTools: [string, ToolDef, string][] = [
  ...Object.values(preAuthTools).map((d): [string, ToolDef, string] => [d.name, d, preAuthToolPath(d.name)]),
  ...Object.values(postAuthTools).map((d): [string, ToolDef, string] => [d.name, d, postAuthToolPath(d.name)]),
];

describe.each(allTools)('tool config of %s', (name, def, path) => {
  it.each(TOOL_CHANNELS)('is a well-formed ElevenLabs webhook tool (%s)', (channel) => {
    const cfg = toToolConfig(def, { baseUrl: `${BASE}/`, path, channel, secretId: 'sec_tool' });
    expect(cfg.type).toBe('webhook');
    expect(cfg.name).toBe(name);
    expect(cfg.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(cfg.description.length).toBeGreaterThan(20);
    expect(cfg.response_timeout_secs).toBeGreaterThanOrEqual(5);
    expect(cfg.response_timeout_secs).toBeLessThanOrEqual(120);
    expect(cfg.api_schema.method).toBe('POST');
    expect(cfg.api_schema.url).toBe(`${BASE}${path}`);
    expect(cfg.api_schema.request_headers).toEqual({ Authorization: { secret_id: 'sec_tool' } });

    const body = cfg.api_schema.request_body_schema;
    expect(body.type).toBe('object');
    for (const [field, leaf] of Object.entries(body.properties)) {
      const sources = SOURCES.filter((k) => k in leaf);
      expect(sources, `${name}.${field}`).toHaveLength(1);
      expect(['string', 'number', 'integer', 'boolean']).toContain(leaf.type);
      if ('description' in leaf) expect(leaf.description.trim().length, `${name}.${field}`).toBeGreaterThan(10);
      if ('enum' in leaf) expect('description' in leaf).toBe(true);
    }
    for (const f of body.required) expect(body.properties).toHaveProperty(f);

    // Identity is never left to the LLM.
    expect(body.properties.call_id).toEqual({
      type: 'string',
      dynamic_variable: channel === 'telephony' ? 'system__call_sid' : 'system__conversation_id',
    });
    expect(body.properties.conversation_id).toEqual({ type: 'string', dynamic_variable: 'system__conversation_id' });
    for (const f of IDENTITY_FIELDS) expect(body.required).toContain(f);
  });

  it('has no headers without a secret id, and is deterministic', () => {
    const a = toToolConfig(def, { baseUrl: BASE, path });
    expect(a.api_schema).not.toHaveProperty('request_headers');
    expect(a.api_schema.request_body_schema.properties.call_id).toEqual({ type: 'string', dynamic_variable: 'system__call_sid' });
    expect(JSON.stringify(toToolConfig(def, { baseUrl: BASE, path }))).toBe(JSON.stringify(a));
    expect(Object.keys(a)).toEqual(['type', 'name', 'description', 'response_timeout_secs', 'api_schema', 'assignments']);
    expect(Object.keys(toToolConfig(def, { baseUrl: BASE, path, secretId: 's' }).api_schema)).toEqual([
      'url',
      'method',
      'request_headers',
      'request_body_schema',
    ]);
  });

  it('is documented: describeTool lists every field and how it is filled', () => {
    const md = describeTool(def);
    expect(md).toContain(`### \`${name}\``);
    for (const field of Object.keys(def.input.shape)) expect(md).toContain(`| \`${field}\` |`);
    expect(md).toMatch(/\| `call_id` \|.*`system__call_sid` \(telephony\) \/ `system__conversation_id` \(web\)/);
  });
});

describe('auth_orchestrator config', () => {
  const cfg: ElevenLabsWebhookToolConfig = toToolConfig(preAuthTools.auth_orchestrator, {
    baseUrl: BASE,
    path: '/tools/auth_orchestrator',
  });
  const props = cfg.api_schema.request_body_schema.properties;

  it('outlasts the longest did_wait long-poll', () => {
    expect(cfg.response_timeout_secs).toBeGreaterThan(20);
  });

  it('binds the agent id to system__agent_id on every channel (it picks a web session\'s policy)', () => {
    expect(props.agent_id).toEqual({ type: 'string', dynamic_variable: 'system__agent_id' });
    const web = toToolConfig(preAuthTools.auth_orchestrator, { baseUrl: BASE, path: '/tools/auth_orchestrator', channel: 'web' });
    expect(web.api_schema.request_body_schema.properties.agent_id).toEqual({ type: 'string', dynamic_variable: 'system__agent_id' });
    expect(cfg.api_schema.request_body_schema.required).not.toContain('agent_id');
  });

  it('binds the host session token to its dynamic variable and lets the LLM fill the rest', () => {
    expect(props.host_session_token).toEqual({ type: 'string', dynamic_variable: 'host_session_token' });
    for (const f of ['action', 'account_ref', 'channel', 'code', 'level', 'question_id', 'answer', 'wait_seconds']) {
      expect(props[f], f).toHaveProperty('description');
    }
    expect(props.action).toMatchObject({ type: 'string', enum: expect.arrayContaining(['status', 'otp_verify', 'handoff']) });
    expect((props.action as { enum: string[] }).enum).toHaveLength(14);
    expect(props.channel).toMatchObject({ enum: ['sms', 'email', 'app'] });
    expect(props.level).toMatchObject({ enum: ['basic', 'advanced'] });
    expect(props.wait_seconds).toMatchObject({ type: 'integer' });
    expect(props.code).toMatchObject({ type: 'string' });
    expect(cfg.api_schema.request_body_schema.required).toEqual(['call_id', 'conversation_id', 'action']);
  });

  it('copies the decision into dynamic variables', () => {
    expect(cfg.assignments).toEqual([
      { source: 'response', dynamic_variable: 'auth_privileged_allowed', value_path: 'privileged_allowed' },
      { source: 'response', dynamic_variable: 'auth_next_step', value_path: 'next_required_step' },
      { source: 'response', dynamic_variable: 'auth_risk_tier', value_path: 'auth_state.risk_tier' },
      { source: 'response', dynamic_variable: 'auth_status', value_path: 'auth_state.status' },
    ]);
  });
});

describe('defineTool / toToolConfig guard rails', () => {
  const d = (input: z.ZodObject, extra: Record<string, unknown> = {}) =>
    defineTool({ name: 'x_tool', description: 'A test tool.', input, ...extra });

  it('refuses identity fields, undescribed LLM fields, nested or union fields, bad names and binds', () => {
    expect(() => d(z.object({ call_id: z.string().describe('x') }))).toThrow(/identity field/);
    expect(() => d(z.object({ a: z.string() }))).toThrow(/needs a description/);
    expect(() => d(z.object({ a: z.object({ b: z.string() }).describe('nested') }))).toThrow(/must be a string/);
    expect(() => d(z.object({ a: z.union([z.string(), z.number()]).describe('u') }))).toThrow(/must be a string/);
    expect(() => defineTool({ name: 'bad name', description: 'x', input: z.object({}) })).toThrow(/name/);
    expect(() => d(z.object({ a: z.string().describe('a') }), { bind: { b: 'v' } })).toThrow(/unknown field/);
    expect(() => d(z.object({}), { responseTimeoutSecs: 300 })).toThrow(/responseTimeoutSecs/);
  });

  it('binds an undescribed host field to a dynamic variable of the given name', () => {
    const def = d(z.object({ token: z.string().optional() }), { bind: { token: 'token' } });
    const cfg = toToolConfig(def, { baseUrl: BASE, path: '/t' });
    expect(cfg.api_schema.request_body_schema.properties.token).toEqual({ type: 'string', dynamic_variable: 'token' });
  });

  it('refuses a bad base URL or an empty secret id', () => {
    const def = d(z.object({}));
    expect(() => toToolConfig(def, { baseUrl: 'not a url', path: '/t' })).toThrow(/baseUrl/);
    expect(() => toToolConfig(def, { baseUrl: BASE, path: '/t', secretId: ' ' })).toThrow(/secretId/);
    expect(toToolConfig(def, { baseUrl: `${BASE}/prefix/`, path: 't' }).api_schema.url).toBe(`${BASE}/prefix/t`);
  });
});
