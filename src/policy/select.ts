import type { Policy } from './schema.js';

export interface CallContext {
  called_number?: string | null;
  agent_id?: string | null;
}

/**
 * The loaded policies. Order matters: callers pass them sorted by file name, and the first policy
 * whose `applies_to` matches a call wins; otherwise the `default` policy applies.
 */
export class PolicySet {
  readonly #byId = new Map<string, Policy>();
  readonly #ordered: readonly Policy[];

  constructor(policies: readonly Policy[]) {
    for (const p of policies) {
      if (this.#byId.has(p.id)) throw new Error(`two policies share the id "${p.id}"`);
      this.#byId.set(p.id, p);
    }
    if (!this.#byId.has('default')) throw new Error('no policy with id "default" (it is the fallback for every call)');
    this.#ordered = [...policies];
  }

  get(id: string): Policy | undefined {
    return this.#byId.get(id);
  }

  /** The policy for a call: first `applies_to` match in order, else `default`. */
  select(call: CallContext): Policy {
    return this.#ordered.find((p) => appliesTo(p, call)) ?? (this.#byId.get('default') as Policy);
  }

  list(): Policy[] {
    return [...this.#ordered];
  }
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
