import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fieldPosition, parsePolicy, PolicySet, type Policy, type PolicyError } from '../policy/index.js';

// Node-only: reads a folder of policy files. The pure parsing lives in src/policy.

export interface LoadedPolicies {
  /** Valid policies in file-name order (a later file reusing an id is left out). */
  policies: Policy[];
  errors: PolicyError[];
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
export function loadPolicyFiles(files: readonly string[]): LoadedPolicies {
  const { policies, errors } = load(files);
  return { policies, errors };
}

function load(files: readonly string[]): LoadedPolicies & { invalid: number } {
  const policies: Policy[] = [];
  const errors: PolicyError[] = [];
  let invalid = 0;
  const seen = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      errors.push({ path: file, line: 0, column: 0, field: '', message: `cannot read: ${(e as Error).message}` });
      invalid++;
      continue;
    }
    const r = parsePolicy(text, file);
    if (!r.ok) {
      errors.push(...r.errors);
      invalid++;
      continue;
    }
    const first = seen.get(r.policy.id);
    if (first !== undefined) {
      const pos = fieldPosition(text, ['id']);
      errors.push({ path: file, ...pos, field: 'id', message: `id "${r.policy.id}" is already used by ${first}` });
      continue;
    }
    seen.set(r.policy.id, file);
    policies.push(r.policy);
  }
  return { policies, errors, invalid };
}

/** Every policy file in `dir`, plus the folder-level rule that a `default` policy exists. */
export function loadPolicyDir(dir: string): LoadedPolicies {
  let files: string[];
  try {
    files = policyFilesIn(dir);
  } catch (e) {
    return { policies: [], errors: [{ path: dir, line: 0, column: 0, field: '', message: `cannot read folder: ${(e as Error).message}` }] };
  }
  const { policies, errors, invalid } = load(files);
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
  return { policies, errors };
}

/**
 * Build a PolicySet from `dir`, all or nothing: with any error the previous set stays in force,
 * so a bad edit never replaces good policies in a running server.
 */
export function reloadPolicySet(dir: string, previous?: PolicySet): { set: PolicySet | undefined; errors: PolicyError[] } {
  const { policies, errors } = loadPolicyDir(dir);
  if (errors.length > 0) return { set: previous, errors };
  return { set: new PolicySet(policies), errors };
}
