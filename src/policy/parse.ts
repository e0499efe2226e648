import { describeViolation, findNonMonotone } from './monotone.js';
import { LineCounter, isCollection, isMap, isScalar, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { policySchema, type Policy } from './schema.js';

// YAML text → validated value, with every problem pinned to a file, line, column and field.
// Pure (no fs): the Cloudflare runtime parses policies from bundled text.

export interface PolicyError {
  path: string;
  /** 1-based; 0 when the problem belongs to no line (e.g. a whole folder). */
  line: number;
  column: number;
  /** Dotted field path such as `tiers.medium.require` or `tiers.low.from[1]`; '' for the whole file. */
  field: string;
  message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: PolicyError[] };

type Key = string | number;
type Issue = z.core.$ZodIssue;

export interface ParsePolicyOptions {
  /**
   * Names of the registered post-auth tools. When given, every key under `actions` must be one
   * of them: a misspelt tool would otherwise fall back to the tier's threshold.
   */
  tools?: readonly string[];
}

export function parsePolicy(
  text: string,
  path: string,
  opts: ParsePolicyOptions = {},
): { ok: true; policy: Policy } | { ok: false; errors: PolicyError[] } {
  const tools = opts.tools;
  const r = parseYaml(policySchema, text, path, (policy) => {
    const v = findNonMonotone(policy);
    const problems: ReturnType<WholeFileCheck<Policy>> = v ? [{ at: ['tiers', v.higher], message: describeViolation(v) }] : [];
    for (const name of tools === undefined ? [] : Object.keys(policy.actions)) {
      if (tools!.includes(name)) continue;
      const hint = suggest(name, [...tools!]);
      problems.push({
        at: ['actions'],
        key: name,
        message: `"${name}" is not a post-auth tool${hint ? ` (did you mean "${hint}"?)` : ''}; known tools: ${tools!.join(', ')}`,
      });
    }
    return problems;
  });
  return r.ok ? { ok: true, policy: r.value } : r;
}

/**
 * A rule over the whole parsed file (not one field's shape), reported at the field it names, or
 * at `key` inside it (a map key that should not be there).
 */
type WholeFileCheck<T> = (value: T) => { at: Key[]; key?: string; message: string }[];

/** Parse any YAML file against a zod schema (policies, scenario fixtures). */
export function parseYaml<S extends z.ZodType>(
  schema: S,
  text: string,
  path: string,
  check: WholeFileCheck<z.output<S>> = () => [],
): ParseResult<z.output<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({ path, ...at(e.pos[0]), field: '', message: firstLine(e.message) })),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }); // bounded: a "billion laughs" file is refused, not expanded
  } catch (e) {
    return { ok: false, errors: [{ path, line: 1, column: 1, field: '', message: (e as Error).message }] };
  }
  if (data === null || data === undefined) {
    return { ok: false, errors: [{ path, line: 1, column: 1, field: '', message: 'the file is empty' }] };
  }
  const r = schema.safeParse(data);
  if (r.success) {
    const problems = check(r.data);
    if (problems.length === 0) return { ok: true, value: r.data };
    return {
      ok: false,
      errors: problems.map((e) => ({
        path,
        ...at(locate(doc, e.at, e.key)),
        field: fieldName(e.key === undefined ? e.at : [...e.at, e.key]),
        message: e.message,
      })),
    };
  }

  const errors: PolicyError[] = [];
  for (const issue of flattenUnions(r.error.issues)) {
    const base = issue.path.filter((k): k is Key => typeof k !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const hint = suggest(key, knownKeys(schema));
        errors.push({
          path,
          ...at(locate(doc, base, key)),
          field: fieldName([...base, key]),
          message: `unknown field "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
        });
      }
      continue;
    }
    errors.push({ path, ...at(locate(doc, base)), field: fieldName(base), message: messageFor(issue, data, base) });
  }
  errors.sort((a, b) => a.line - b.line || a.column - b.column || a.field.localeCompare(b.field));
  return { ok: false, errors: dedupe(errors) };
}

/** `policies/x.yaml:12:5 tiers.medium.require: Too small…` */
export function formatPolicyError(e: PolicyError): string {
  const where = e.line > 0 ? `${e.path}:${e.line}:${e.column}` : e.path;
  return `${where} ${e.field ? `${e.field}: ` : ''}${e.message}`;
}

/** Line and column of a field in YAML text (nearest existing parent when the field is absent). */
export function fieldPosition(text: string, field: Key[]): { line: number; column: number } {
  return yamlLocator(text)(field);
}

/** Parses once, then answers many position queries (e.g. one per scenario). */
export function yamlLocator(text: string): (field: Key[]) => { line: number; column: number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  return (field) => {
    const { line, col } = lineCounter.linePos(locate(doc, field));
    return { line, column: col };
  };
}

export function fieldName(path: readonly Key[]): string {
  return path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k), '');
}

// A union reports "Invalid input" with one issue list per branch. Report the branch the author
// most likely meant: the one with the fewest problems (each unknown key counts as one).
function flattenUnions(issues: readonly Issue[], prefix: readonly PropertyKey[] = []): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    // A union with its own message (see the high tier) already says what is wrong.
    if (issue.code !== 'invalid_union' || issue.errors.length === 0 || issue.message !== 'Invalid input') {
      out.push({ ...issue, path });
      continue;
    }
    const weight = (list: Issue[]) =>
      list.reduce((n, i) => n + (i.code === 'unrecognized_keys' ? i.keys.length : 1), 0);
    let best = issue.errors[0]!;
    for (const branch of issue.errors) if (weight(branch) < weight(best)) best = branch;
    out.push(...flattenUnions(best, path));
  }
  return out;
}

/**
 * Offset of the node at `path` (or of `key` inside it). When the node does not exist (a missing
 * field), points at the key of the nearest existing parent, which is where the author will look.
 */
function locate(doc: Document, path: readonly Key[], key?: string): number {
  const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (isNode(node)) {
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
      if (isNode(pair?.key)) return start(pair.key);
    }
    return start(node);
  }
  for (let n = path.length - 1; n >= 1; n--) {
    const parent = doc.getIn(path.slice(0, n), true);
    if (isNode(parent)) return keyStart(doc, path.slice(0, n)) ?? start(parent);
  }
  return isNode(doc.contents) ? start(doc.contents) : 0;
}

function keyStart(doc: Document, path: readonly Key[]): number | undefined {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
  return isNode(pair?.key) ? start(pair.key) : undefined;
}

const start = (n: Node): number => n.range?.[0] ?? 0;

function messageFor(issue: Issue, data: unknown, path: readonly Key[]): string {
  const value = valueAt(data, path);
  // zod's own "Invalid option…" becomes a list with a suggestion; a schema's own message is kept.
  const generic = issue.message.startsWith('Invalid option');
  if (issue.code === 'invalid_value' && generic && typeof value === 'string' && issue.values.every((v) => typeof v === 'string')) {
    const options = issue.values as string[];
    const hint = suggest(value, options);
    return `"${value}" is not one of ${options.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`;
  }
  if (value !== undefined) return issue.message;
  if (issue.code === 'invalid_type') return `required field is missing (expected ${issue.expected})`;
  if (issue.code === 'invalid_value') return `required field is missing (expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')})`;
  return issue.message;
}

function isNode(v: unknown): v is Node {
  return isScalar(v) || isCollection(v) || (typeof v === 'object' && v !== null && 'range' in v);
}

function valueAt(data: unknown, path: readonly Key[]): unknown {
  let v = data;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<Key, unknown>)[k];
  }
  return v;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function dedupe(errors: PolicyError[]): PolicyError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = formatPolicyError(e);
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

// Did-you-mean for unknown keys: every object key the schema knows, gathered once per schema.
const keyCache = new WeakMap<z.ZodType, string[]>();

function knownKeys(schema: z.ZodType): string[] {
  let keys = keyCache.get(schema);
  if (!keys) {
    const found = new Set<string>();
    collectKeys(schema, found, new Set());
    keys = [...found];
    keyCache.set(schema, keys);
  }
  return keys;
}

// Walks zod's internal definitions; unknown shapes are simply skipped, so the worst case is no hint.
function collectKeys(schema: unknown, found: Set<string>, seen: Set<unknown>): void {
  if (typeof schema !== 'object' || schema === null || seen.has(schema)) return;
  seen.add(schema);
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
  if (!def) return;
  const shape = def.shape as Record<string, unknown> | undefined;
  if (shape && typeof shape === 'object') {
    for (const [k, v] of Object.entries(shape)) {
      found.add(k);
      collectKeys(v, found, seen);
    }
  }
  // Records keyed by an enum (scenario signals/successes): its values are keys too.
  const keyEntries = (def.keyType as { _zod?: { def?: { entries?: Record<string, unknown> } } } | undefined)?._zod?.def?.entries;
  if (keyEntries) for (const k of Object.keys(keyEntries)) found.add(k);
  for (const k of ['innerType', 'in', 'out', 'element', 'valueType']) collectKeys(def[k], found, seen);
  if (Array.isArray(def.options)) for (const o of def.options) collectKeys(o, found, seen);
}

function suggest(key: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 4)) + 1;
  for (const c of candidates) {
    const d = distance(key, c);
    if (d > 0 && d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
