import { policySchema, type Policy } from './schema.js';

export interface CallContext {
  called_number?: string | null;
  agent_id?: string | null;
}

/** A policy in force and the file it came from (when it came from one). */
export interface InForce {
  id: string;
  version: number;
  file?: string;
}

const key = (id: string, version: number) => `${id}@${version}`;

/** Finds a recorded version by id and version (synchronously: decisions are made without waiting). */
export type VersionLookup = (id: string, version: number) => Policy | undefined;

/**
 * The loaded policies. Order matters: callers pass them sorted by file name, and the first policy
 * whose `applies_to` matches a call wins; otherwise the `default` policy applies.
 *
 * Besides the policies in force, a set knows older versions (`known`): a call is evaluated with
 * the id and version it started under until it ends, even after a reload removed or replaced it.
 */
export class PolicySet {
  readonly #byId = new Map<string, Policy>();
  readonly #ordered: readonly Policy[];
  readonly #versions = new Map<string, Policy>();
  readonly #files: Readonly<Record<string, string>>;
  /** Where versions this set has not seen are looked up (versions recorded by other processes). */
  readonly lookup: VersionLookup | undefined;

  constructor(
    policies: readonly Policy[],
    opts: { files?: Readonly<Record<string, string>>; known?: readonly Policy[]; lookup?: VersionLookup } = {},
  ) {
    this.lookup = opts.lookup;
    for (const p of policies) {
      if (this.#byId.has(p.id)) throw new Error(`two policies share the id "${p.id}"`);
      this.#byId.set(p.id, p);
    }
    if (!this.#byId.has('default')) throw new Error('no policy with id "default" (it is the fallback for every call)');
    this.#ordered = [...policies];
    this.#files = { ...opts.files };
    const conflicts = versionConflicts(opts.known ?? [], policies);
    if (conflicts.length > 0) {
      const c = conflicts[0]!;
      throw new Error(`policy "${c.policy.id}" version ${c.policy.version} already exists with different contents`);
    }
    for (const p of [...(opts.known ?? []), ...policies]) this.#versions.set(key(p.id, p.version), p);
  }

  /** The policy in force under this id. */
  get(id: string): Policy | undefined {
    return this.#byId.get(id);
  }

  /** One exact version: in force, still known, or found by `lookup`; undefined when it is nowhere. */
  version(id: string, version: number): Policy | undefined {
    const k = key(id, version);
    let p = this.#versions.get(k);
    if (p === undefined && this.lookup) {
      const found = this.lookup(id, version);
      // A version names one content, so what is found once stays valid.
      if (found && found.id === id && found.version === version) this.#versions.set(k, (p = found));
    }
    return p;
  }

  /** The policy for a call: first `applies_to` match in order, else `default`. */
  select(call: CallContext): Policy {
    return this.#ordered.find((p) => appliesTo(p, call)) ?? (this.#byId.get('default') as Policy);
  }

  /** The policies in force, in file-name order. */
  list(): Policy[] {
    return [...this.#ordered];
  }

  /** Every version this set knows: the ones in force and the older ones calls may still use. */
  known(): Policy[] {
    return [...this.#versions.values()];
  }

  /** id, version and file of each policy in force (the start-up banner, /healthz). */
  inForce(): InForce[] {
    return this.#ordered.map((p) => {
      const file = this.#files[p.id];
      return { id: p.id, version: p.version, ...(file === undefined ? {} : { file }) };
    });
  }
}

/**
 * The rules of a policy as one canonical JSON text: object keys sorted, lists in order (a `from`
 * list's order is a preference). Comments and layout of the YAML file are not part of it.
 */
export function policyContent(policy: Policy): string {
  return JSON.stringify(sortKeys(policy));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => [k, sortKeys(o[k])]),
  );
}

/** Recorded policy JSON back to a policy under the current schema (new fields get their defaults). */
export function policyFromContent(content: string): Policy | undefined {
  let data: unknown;
  try {
    data = JSON.parse(content);
  } catch {
    return undefined;
  }
  const r = policySchema.safeParse(data);
  return r.success ? r.data : undefined;
}

/** Incoming policies whose id and version are already known with other contents: a version is one content. */
export function versionConflicts(
  known: Iterable<Policy>,
  incoming: readonly Policy[],
): { policy: Policy; existing: Policy }[] {
  const byKey = new Map<string, Policy>();
  for (const p of known) byKey.set(key(p.id, p.version), p);
  const out: { policy: Policy; existing: Policy }[] = [];
  for (const p of incoming) {
    const existing = byKey.get(key(p.id, p.version));
    if (existing && existing !== p && policyContent(existing) !== policyContent(p)) out.push({ policy: p, existing });
  }
  return out;
}

/**
 * What a call gets when the version it started under can no longer be found: every tier hands
 * off, so nothing is ever allowed and the caller goes to a person. Never a looser policy.
 */
export function unavailablePolicy(id: string, version: number): Policy {
  const handoff = { handoff: true as const, queue: 'authentication_support' };
  const base = policySchema.parse({
    id: 'default',
    version: 1,
    description: 'stand-in: the policy this call started under is not available',
    tiers: { low: handoff, medium: handoff, high: handoff },
  });
  return { ...base, id, version };
}

/**
 * Every listed key must match (the call's value is in its list). A key with an empty list counts
 * as not listed, and a policy with nothing listed never matches by itself.
 */
export function appliesTo(policy: Policy, call: CallContext): boolean {
  const rules: [string[] | undefined, string | null | undefined][] = [
    [policy.applies_to.called_numbers, call.called_number],
    [policy.applies_to.agent_ids, call.agent_id],
  ];
  const listed = rules.filter(([list]) => list !== undefined && list.length > 0);
  return listed.length > 0 && listed.every(([list, value]) => value != null && list!.includes(value));
}
