import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Every policy version a server has loaded, as canonical JSON (policyContent). A call stores
 * (policy_id, policy_version); this table lets any process, after any restart or reload, evaluate
 * it with exactly the rules it started under. Rows are only ever added.
 */
export const policyVersions = sqliteTable(
  'policy_versions',
  {
    policyId: text('policy_id').notNull(),
    version: integer('version').notNull(),
    content: text('content').notNull(),
    recordedAt: integer('recorded_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.policyId, t.version] })],
);

export type PolicyVersionRow = typeof policyVersions.$inferSelect;
