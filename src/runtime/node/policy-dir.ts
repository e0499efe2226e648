import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { postAuthTools } from '../../../tools/post-auth/index.js';
import {
  fieldPosition,
  parsePolicy,
  PolicySet,
  versionConflicts,
  type Policy,
  type PolicyError,
  type VersionLookup,
} from '../../policy/index.js';

// Node-only: reads a folder of policy files. The pure parsing lives in src/policy.

/** The post-auth tools an `actions:` entry may name. */
export const POST_AUTH_TOOL_NAMES: readonly string[] = Object.keys(postAuthTools);

export interface LoadOptions {
  /** Tool names `actions:` may use; the registered post-auth tools unless told otherwise. */
  tools?: readonly string[];
  /** For reloadPolicySet: where the new set finds versions it does not know (else the previous set's). */
  lookup?: VersionLookup;
}

export interface LoadedPolicies {
  /** Valid policies in file-name order (a later file reusing an id is left out). */
  policies: Policy[];
  errors: PolicyError[];
  /** Policy id → the file it was read from. */
  files: Record<string, string>;
}

/** `*.yaml` / `*.yml` directly in `dir`, sorted by name (the order `applies_to` is tried in). */
export function policyFilesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => e.name)
    .sort()
    .map((name) => join(dir, name));
}

/** Parse the given files; a duplicate id is an error on the later file. */
export function loadPolicyFiles(files: readonly string[], opts: LoadOptions = {}): LoadedPolicies {
  const { policies, errors, files: byId } = load(files, opts);
  return { policies, errors, files: byId };
}

function load(files: readonly string[], opts: LoadOptions): LoadedPolicies & { invalid: number } {
  const tools = opts.tools ?? POST_AUTH_TOOL_NAMES;
  const policies: Policy[] = [];
  const errors: PolicyError[] = [];
  const byId: Record<string, string> = {};
  let invalid = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      errors.push({ path: file, line: 0, column: 0, field: '', message: `cannot read: ${(e as Error).message}` });
      invalid++;
      continue;
    }
    const r = parsePolicy(text, file, { tools });
    if (!r.ok) {
      errors.push(...r.errors);
      invalid++;
      continue;
    }
    const first = byId[r.policy.id];
    if (first !== undefined) {
      const pos = fieldPosition(text, ['id']);
      errors.push({ path: file, ...pos, field: 'id', message: `id "${r.policy.id}" is already used by ${first}` });
      continue;
    }
    byId[r.policy.id] = file;
    policies.push(r.policy);
  }
  return { policies, errors, files: byId, invalid };
}

/** Every policy file in `dir`, plus the folder-level rule that a `default` policy exists. */
export function loadPolicyDir(dir: string, opts: LoadOptions = {}): LoadedPolicies {
  let files: string[];
  try {
    files = policyFilesIn(dir);
  } catch (e) {
    return {
      policies: [],
      errors: [{ path: dir, line: 0, column: 0, field: '', message: `cannot read folder: ${(e as Error).message}` }],
      files: {},
    };
  }
  const { policies, errors, files: byId, invalid } = load(files, opts);
  if (!policies.some((p) => p.id === 'default')) {
    // A broken file may be the default; its own errors already say what to fix.
    const hint = invalid > 0 ? ' (or the file that defines it does not validate)' : '';
    errors.push({
      path: dir,
      line: 0,
      column: 0,
      field: '',
      message: `no policy with id "default"${hint}: it is the fallback for every call`,
    });
  }
  return { policies, errors, files: byId };
}

/** The error for a file whose id and version are already known with other rules. */
export function versionConflictError(file: string, policy: Policy, known: Iterable<Policy>): PolicyError {
  let pos = { line: 0, column: 0 };
  try {
    pos = fieldPosition(readFileSync(file, 'utf8'), ['version']);
  } catch {
    // the file went away since it was read: the message still names it
  }
  let highest = policy.version;
  for (const p of known) if (p.id === policy.id) highest = Math.max(highest, p.version);
  return {
    path: file,
    ...pos,
    field: 'version',
    message:
      `policy "${policy.id}" version ${policy.version} was already loaded with different rules, and calls may still use it: ` +
      `a version names one content, so raise version (to ${highest + 1}) when you change the file`,
  };
}

/**
 * Build a PolicySet from `dir`, all or nothing: with any error the previous set stays in force,
 * so a bad edit never replaces good policies in a running server. The new set keeps every version
 * the previous one knew, plus `recorded` (versions stored by any process), so calls in flight
 * stay on the version they started under.
 */
export function reloadPolicySet(
  dir: string,
  previous?: PolicySet,
  recorded: readonly Policy[] = [],
  opts: LoadOptions = {},
): { set: PolicySet | undefined; errors: PolicyError[] } {
  const { policies, errors, files } = loadPolicyDir(dir, opts);
  if (errors.length > 0) return { set: previous, errors };
  const known = [...recorded, ...(previous?.known() ?? [])];
  const conflicts = versionConflicts(known, policies);
  if (conflicts.length > 0) {
    return { set: previous, errors: conflicts.map((c) => versionConflictError(files[c.policy.id]!, c.policy, known)) };
  }
  const lookup = opts.lookup ?? previous?.lookup;
  return { set: new PolicySet(policies, { files, known, ...(lookup ? { lookup } : {}) }), errors };
}
