import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { policyVersions, type PolicyVersionRow } from './schema/policies.js';

const p = sql.placeholder;

/** The recorded policy versions (see schema/policies.ts). Insert-only: a version is never rewritten. */
export function createPolicyStore(db: Db) {
  const insert = db
    .insert(policyVersions)
    .values({ policyId: p('id'), version: p('version'), content: p('content'), recordedAt: p('now') })
    .onConflictDoNothing()
    .returning({ policyId: policyVersions.policyId })
    .prepare();
  const one = db
    .select()
    .from(policyVersions)
    .where(and(eq(policyVersions.policyId, p('id')), eq(policyVersions.version, p('version'))))
    .prepare();

  return {
    async all(): Promise<PolicyVersionRow[]> {
      return (await db.select().from(policyVersions)) as PolicyVersionRow[];
    },
    /**
     * Records a version unless it exists. Returns the stored content, which differs from
     * `content` when another load recorded this id and version with other rules first.
     */
    async record(id: string, version: number, content: string, now: number): Promise<string> {
      if (((await insert.all({ id, version, content, now })) as unknown[]).length === 1) return content;
      const row = (await one.get({ id, version })) as PolicyVersionRow | undefined;
      return row?.content ?? content;
    },
  };
}

export type PolicyStore = ReturnType<typeof createPolicyStore>;
