import { z } from 'zod';

// One zod schema per tool is the single source of truth: it validates requests
// (`def.input.safeParse(body)`), generates the ElevenLabs tool config (tool-config.ts) and documents
// the tool (`describeTool`). Identity fields are added here, to every tool, and are always bound to
// system dynamic variables: the LLM never fills in which call it is talking about.

export type ToolChannel = 'telephony' | 'web';
export const TOOL_CHANNELS: readonly ToolChannel[] = ['telephony', 'web'];

export const IDENTITY_FIELDS = ['call_id', 'conversation_id'] as const;
export type IdentityField = (typeof IDENTITY_FIELDS)[number];

/** The system dynamic variable each identity field is bound to, per channel. */
export function identityBindings(channel: ToolChannel): Readonly<Record<IdentityField, string>> {
  return {
    call_id: channel === 'telephony' ? 'system__call_sid' : 'system__conversation_id',
    conversation_id: 'system__conversation_id',
  };
}

export { REQUIRED, blankToUndefined, optional, lenientEnum, lenientString, lenientNumber } from '../src/kernel/fields.js';
import { REQUIRED } from '../src/kernel/fields.js';

const id = (what: string) => z.string(REQUIRED).trim().min(1, 'required').max(128, 'at most 128 characters').describe(what);

export const identityShape = {
  call_id: id(
    'Which call this is: the Twilio call SID on phone calls (system__call_sid), the conversation id on web/app sessions (system__conversation_id).',
  ),
  conversation_id: id('The ElevenLabs conversation id (system__conversation_id); bound to the call on first use.'),
};
export type IdentityShape = typeof identityShape;

export interface ToolAssignment {
  source: 'response';
  dynamic_variable: string;
  value_path: string;
}

export type ToolInput<S extends z.ZodRawShape> = z.ZodObject<z.util.Extend<IdentityShape, S>, z.core.$strip>;

export interface ToolDef<S extends z.ZodRawShape = z.ZodRawShape> {
  readonly name: string;
  readonly description: string;
  /** Full request schema: identity fields + the tool's own fields (+ cross-field rules). Unknown keys are stripped. */
  readonly input: ToolInput<S>;
  /** Non-identity fields bound to dynamic variables (field → variable). Identity bindings come from `identityBindings`. */
  readonly bind: Readonly<Record<string, string>>;
  readonly responseTimeoutSecs: number;
  readonly assignments: readonly ToolAssignment[];
}

/** The parsed, validated arguments of a tool. */
export type ToolArgs<D extends ToolDef<z.ZodRawShape>> = z.output<D['input']>;

export interface DefineToolOptions<S extends z.ZodRawShape> {
  name: string;
  description: string;
  /** A flat z.object of the tool's own fields (without call_id / conversation_id). */
  input: z.ZodObject<S>;
  /** Fields filled from a dynamic variable instead of by the LLM, e.g. `{host_session_token: 'host_session_token'}`. */
  bind?: { [K in keyof S & string]?: string };
  /** ElevenLabs allows 5–120; default 20. */
  responseTimeoutSecs?: number;
  assignments?: readonly ToolAssignment[];
  /**
   * Cross-field rules, run after the fields were parsed even when some of them failed (so one
   * answer names every bad field). The value may hold unparsed input for fields that failed.
   */
  refine?: (value: z.output<ToolInput<S>>, ctx: z.RefinementCtx<z.output<ToolInput<S>>>) => void;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const VARIABLE_NAME = /^[a-zA-Z0-9_]{1,128}$/;
/** The JSON types an ElevenLabs tool parameter can have (no nested objects or arrays). */
export const LEAF_TYPES = ['string', 'number', 'integer', 'boolean'] as const;
export type LeafType = (typeof LEAF_TYPES)[number];
export const isLeafType = (t: unknown): t is LeafType => (LEAF_TYPES as readonly unknown[]).includes(t);

export function defineTool<S extends z.ZodRawShape>(opts: DefineToolOptions<S>): ToolDef<S> {
  const where = `tool ${JSON.stringify(opts.name)}`;
  if (!TOOL_NAME.test(opts.name)) throw new Error(`${where}: name must match ${TOOL_NAME}`);
  if (!opts.description.trim()) throw new Error(`${where}: description is required`);
  for (const f of IDENTITY_FIELDS) {
    if (f in opts.input.shape) throw new Error(`${where}: ${f} is an identity field, added by defineTool`);
  }
  const bind: Record<string, string> = {};
  for (const [field, variable] of Object.entries(opts.bind ?? {}) as [string, string | undefined][]) {
    if (variable === undefined) continue;
    if (!(field in opts.input.shape)) throw new Error(`${where}: bind names unknown field ${field}`);
    if (!VARIABLE_NAME.test(variable)) throw new Error(`${where}: bad dynamic variable name for ${field}`);
    bind[field] = variable;
  }
  const responseTimeoutSecs = opts.responseTimeoutSecs ?? 20;
  if (!Number.isInteger(responseTimeoutSecs) || responseTimeoutSecs < 5 || responseTimeoutSecs > 120) {
    throw new Error(`${where}: responseTimeoutSecs must be an integer in 5..120`);
  }
  for (const a of opts.assignments ?? []) {
    if (!VARIABLE_NAME.test(a.dynamic_variable) || !a.value_path) throw new Error(`${where}: bad assignment`);
  }

  let input = z.object(identityShape).extend(opts.input.shape) as ToolInput<S>;
  if (opts.refine) {
    input = input.superRefine(opts.refine, {
      when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value),
    });
  }

  // The schema must map onto ElevenLabs' flat leaf form, and every LLM-filled field needs a description.
  const json = inputJsonSchema(input);
  for (const [field, prop] of Object.entries(json.properties)) {
    if (!isLeafType(prop.type)) {
      throw new Error(`${where}: field ${field} must be a string, number, integer, boolean or enum (got ${JSON.stringify(prop.type ?? prop)})`);
    }
    const bound = (IDENTITY_FIELDS as readonly string[]).includes(field) || field in bind;
    if (!bound && !prop.description?.trim()) throw new Error(`${where}: field ${field} needs a description (.describe())`);
  }

  return Object.freeze({
    name: opts.name,
    description: opts.description.trim(),
    input,
    bind: Object.freeze(bind),
    responseTimeoutSecs,
    assignments: Object.freeze((opts.assignments ?? []).map((a) => Object.freeze({ ...a }))),
  });
}

/** The subset of JSON Schema the generator reads. */
export interface JsonLeaf {
  type?: string;
  description?: string;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}
export interface JsonObjectSchema {
  type: 'object';
  properties: Record<string, JsonLeaf>;
  required: string[];
}

/** The request body as JSON Schema (input side: what a client sends). */
export function inputJsonSchema(schema: z.ZodType): JsonObjectSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }) as {
    type?: string;
    properties?: Record<string, JsonLeaf>;
    required?: string[];
  };
  if (json.type !== 'object' || !json.properties) throw new Error('tool input must be a z.object');
  return { type: 'object', properties: json.properties, required: json.required ?? [] };
}

/** Which dynamic variable fills each bound field, for a channel (identity fields included). */
export function bindingsFor(def: ToolDef<z.ZodRawShape>, channel: ToolChannel): Readonly<Record<string, string>> {
  return { ...identityBindings(channel), ...def.bind };
}

export interface FieldError {
  field: string;
  message: string;
}

/** zod issues → `{field, message}` (field `body` when the body itself is wrong). */
export function toFieldErrors(error: z.ZodError): FieldError[] {
  const at = (path: readonly PropertyKey[]) => (path.length ? path.map(String).join('.') : 'body');
  return error.issues.flatMap((i) =>
    // A strict object's unknown keys: each is named as the field it is, not as its parent.
    i.code === 'unrecognized_keys' ? i.keys.map((k) => ({ field: at([...i.path, k]), message: 'unknown field' })) : [{ field: at(i.path), message: i.message }],
  );
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Validate a request body against a tool: the same checks the HTTP layer applies. */
export function validateToolRequest<D extends ToolDef<z.ZodRawShape>>(def: D, body: unknown): ValidationResult<ToolArgs<D>> {
  const r = def.input.safeParse(body);
  return r.success ? { ok: true, value: r.data as ToolArgs<D> } : { ok: false, errors: toFieldErrors(r.error) };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

function typeLabel(prop: JsonLeaf): string {
  if (prop.enum) return prop.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  const parts: string[] = [String(prop.type)];
  if (prop.maxLength !== undefined) parts.push(`≤ ${prop.maxLength} chars`);
  const lo = prop.minimum ?? prop.exclusiveMinimum;
  const hi = prop.maximum ?? prop.exclusiveMaximum;
  if (lo !== undefined || hi !== undefined) {
    const l = lo === undefined ? '' : `${lo}${prop.exclusiveMinimum !== undefined ? ' <' : ' ≤'} `;
    const h = hi === undefined ? '' : ` ${prop.exclusiveMaximum !== undefined ? '<' : '≤'} ${hi}`;
    parts.push(`${l}x${h}`);
  }
  return parts.join(', ');
}

/** Markdown documentation of a tool: its description and a table of fields. */
export function describeTool(def: ToolDef<z.ZodRawShape>): string {
  const json = inputJsonSchema(def.input);
  const tel = bindingsFor(def, 'telephony');
  const web = bindingsFor(def, 'web');
  const rows = Object.entries(json.properties).map(([field, prop]) => {
    const t = tel[field];
    const w = web[field];
    const filledBy =
      t === undefined
        ? 'LLM'
        : t === w
          ? `dynamic variable \`${t}\``
          : `dynamic variable \`${t}\` (telephony) / \`${w}\` (web)`;
    const required = json.required.includes(field) ? 'yes' : 'no';
    return `| \`${field}\` | ${typeLabel(prop)} | ${required} | ${filledBy} | ${cell(prop.description ?? '')} |`;
  });
  return [
    `### \`${def.name}\``,
    '',
    cell(def.description),
    '',
    '| field | type | required | filled by | description |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
