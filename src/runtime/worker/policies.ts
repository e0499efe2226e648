// Policies on Workers: the YAML files travel as text (bundled, or the local runner's folder),
// parsed and validated by the same code as on Node, then pinned in D1 like the Node server pins
// them in SQLite: a version recorded by any deployment keeps its rules, and a call is evaluated
// with the version it started under.
import { sql } from 'drizzle-orm';
import { postAuthTools } from '../../../tools/post-auth/index.js';
import type { Logger } from '../../kernel/ports.js';
import {
  fieldPosition,
  parsePolicy,
  policyContent,
  policyFromContent,
  PolicySet,
  versionConflicts,
  type Policy,
  type PolicyError,
} from '../../policy/index.js';
import type { Db } from '../../store/db.js';
import { createPolicyStore } from '../../store/policies.js';
import { policyVersions } from '../../store/schema/policies.js';


const err = (path: string, field: string, message: string, pos = { line: 0, column: 0 }): PolicyError => ({ path, ...pos, field, message });

/** Parses the files in name order; a repeated id, or no `default`, is an error as on Node. */
export function parsePolicyFiles(files: Readonly<Record<string, string>>): { policies: Policy[]; errors: PolicyError[]; byId: Record<string, string> } {
  const tools = Object.keys(postAuthTools);
  const policies: Policy[] = [];
  const errors: PolicyError[] = [];
  const byId: Record<string, string> = {};
  for (const name of Object.keys(files).sort()) {
    const text = files[name]!;
    const r = parsePolicy(text, name, { tools });
    if (!r.ok) {
      errors.push(...r.errors);
      continue;
    }
    if (byId[r.policy.id] !== undefined) {
      errors.push(err(name, 'id', `id "${r.policy.id}" is already used by ${byId[r.policy.id]}`, fieldPosition(text, ['id'])));
      continue;
    }
    byId[r.policy.id] = name;
    policies.push(r.policy);
  }
  if (!policies.some((p) => p.id === 'default')) errors.push(err('policies', '', 'no policy with id "default": it is the fallback for every call'));
  return { policies, errors, byId };
}

export interface PinnedPolicies {
  set: PolicySet;
  /**
   * Before each request: picks up versions other deployments recorded since (one count query; the
   * rows only when it changed). Decisions look versions up synchronously, and a version a call is
   * pinned to but this isolate has not seen would hand the call to a person for good.
   */
  refresh(): Promise<void>;
}

/**
 * The policy set from these files, checked against and recorded in D1. Throws the errors (one
 * per line) when the files are invalid or change a recorded version's rules.
 */
export async function pinPolicies(db: Db, files: Readonly<Record<string, string>>, now: number, logger: Logger): Promise<PinnedPolicies> {
  const store = createPolicyStore(db);
  const parsed = parsePolicyFiles(files);
  if (parsed.errors.length) throw new PolicyFilesError(parsed.errors);
  const others = new Map<string, Policy>();
  const readRecorded = async () => {
    const out: Policy[] = [];
    for (const row of await store.all()) {
      const p = policyFromContent(row.content);
      if (p && p.id === row.policyId && p.version === row.version) out.push(p);
      else logger.error('policy_version_unreadable', { policy: { id: row.policyId, version: row.version } });
    }
    return out;
  };
  const recorded = await readRecorded();
  const conflicts = versionConflicts(recorded, parsed.policies);
  if (conflicts.length) {
    throw new PolicyFilesError(
      conflicts.map((c) => {
        const file = parsed.byId[c.policy.id]!;
        const message = `policy "${c.policy.id}" version ${c.policy.version} is already recorded with different rules: raise version when you change the file`;
        return err(file, 'version', message, fieldPosition(files[file]!, ['version']));
      }),
    );
  }
  // What refresh() compares with; our own recording below changes it, so the first refresh re-reads once.
  let recordedCount = recorded.length;
  const countRecorded = async () => ((await db.select({ n: sql<number>`count(*)` }).from(policyVersions)) as { n: number }[])[0]?.n ?? 0;
  const set = new PolicySet(parsed.policies, {
    files: parsed.byId,
    known: recorded,
    // Synchronous, as decisions are: refresh() has read every version recorded before this request.
    lookup: (id, version) => others.get(`${id}@${version}`),
  });
  for (const p of parsed.policies) {
    const content = policyContent(p);
    const stored = await store.record(p.id, p.version, content, now);
    const winner = stored === content ? undefined : policyFromContent(stored);
    if (stored !== content && (!winner || policyContent(winner) !== content)) {
      throw new PolicyFilesError([err(parsed.byId[p.id]!, 'version', `policy "${p.id}" version ${p.version} was recorded with other rules meanwhile`)]);
    }
  }
  return {
    set,
    async refresh() {
      // Versions only accumulate, so a changed count is the only sign of a new one.
      const n = await countRecorded();
      if (n === recordedCount) return;
      for (const p of await readRecorded()) others.set(`${p.id}@${p.version}`, p);
      recordedCount = n;
    },
  };
}

export class PolicyFilesError extends Error {
  constructor(readonly errors: PolicyError[]) {
    super(`${errors.length} policy problem(s)`);
  }
}
