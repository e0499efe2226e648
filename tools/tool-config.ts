import type { z } from 'zod';
import { bindingsFor, inputJsonSchema, isLeafType, TOOL_CHANNELS, type JsonLeaf, type LeafType, type ToolAssignment, type ToolChannel, type ToolDef } from './define.js';

// ToolDef → ElevenLabs webhook `tool_config` (POST /v1/convai/tools). Keys are emitted in a fixed
// order and properties in schema order, so the same definition always serialises to the same
// JSON and a later "push" can diff configs byte for byte.


/** One body property: a type plus exactly one value source. */
export type ElevenLabsLeaf =
  | { type: LeafType; enum?: string[]; description: string }
  | { type: LeafType; dynamic_variable: string }
  | { type: LeafType; constant_value: string | number | boolean }
  | { type: LeafType; is_system_provided: true };

export interface ElevenLabsWebhookToolConfig {
  type: 'webhook';
  name: string;
  description: string;
  response_timeout_secs: number;
  api_schema: {
    url: string;
    method: 'POST';
    request_headers?: { Authorization: { secret_id: string } };
    request_body_schema: {
      type: 'object';
      properties: Record<string, ElevenLabsLeaf>;
      required: string[];
    };
  };
  assignments: ToolAssignment[];
}

export interface ToolConfigOptions {
  /** Public base URL of this service, e.g. `https://callgate.example.com`. */
  baseUrl: string;
  /** Route of the tool, e.g. `/tools/auth_orchestrator`. */
  path: string;
  /** `telephony` binds call_id to system__call_sid; `web` (widget/app sessions) to system__conversation_id. */
  channel?: ToolChannel;
  /**
   * Id of an ElevenLabs workspace secret sent as the `Authorization` header. The secret's value
   * must be the whole header value (`Bearer <CALLGATE_TOOL_SECRET>`); it never appears in the config.
   */
  secretId?: string;
}

function joinUrl(baseUrl: string, path: string): string {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new Error(`toToolConfig: baseUrl is not a URL: ${JSON.stringify(baseUrl)}`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error('toToolConfig: baseUrl must be http(s)');
  if (base.search || base.hash) throw new Error('toToolConfig: baseUrl must not carry a query or fragment');
  const b = base.href.replace(/\/+$/, '');
  const p = path.startsWith('/') ? path : `/${path}`;
  return b + p;
}

function leafType(prop: JsonLeaf, field: string): LeafType {
  const t = prop.type;
  if (isLeafType(t)) return t;
  throw new Error(`toToolConfig: field ${field} has no ElevenLabs leaf type (${JSON.stringify(t)})`);
}

export function toToolConfig(def: ToolDef<z.ZodRawShape>, opts: ToolConfigOptions): ElevenLabsWebhookToolConfig {
  const channel = opts.channel ?? 'telephony';
  if (!TOOL_CHANNELS.includes(channel)) throw new Error(`toToolConfig: unknown channel ${String(channel)}`);
  const bindings = bindingsFor(def, channel);
  const json = inputJsonSchema(def.input);

  const properties: Record<string, ElevenLabsLeaf> = {};
  for (const [field, prop] of Object.entries(json.properties)) {
    const type = leafType(prop, field);
    const variable = bindings[field];
    if (variable !== undefined) {
      properties[field] = { type, dynamic_variable: variable };
    } else if (prop.enum) {
      properties[field] = { type, enum: prop.enum.map(String), description: prop.description ?? '' };
    } else {
      properties[field] = { type, description: prop.description ?? '' };
    }
  }

  const api_schema: ElevenLabsWebhookToolConfig['api_schema'] = {
    url: joinUrl(opts.baseUrl, opts.path),
    method: 'POST',
  } as ElevenLabsWebhookToolConfig['api_schema'];
  if (opts.secretId !== undefined) {
    if (!opts.secretId.trim()) throw new Error('toToolConfig: secretId is empty');
    api_schema.request_headers = { Authorization: { secret_id: opts.secretId } };
  }
  api_schema.request_body_schema = { type: 'object', properties, required: [...json.required] };

  return {
    type: 'webhook',
    name: def.name,
    description: def.description,
    response_timeout_secs: def.responseTimeoutSecs,
    api_schema,
    assignments: def.assignments.map((a) => ({
      source: a.source,
      dynamic_variable: a.dynamic_variable,
      value_path: a.value_path,
    })),
  };
}
