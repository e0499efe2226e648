import { env } from 'cloudflare:test';
import { drizzle } from 'drizzle-orm/d1';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../kernel/ports.js';
import { policyContent } from '../../policy/index.js';
import type { Db } from '../../store/db.js';
import { createPolicyStore } from '../../store/policies.js';
import * as schema from '../../store/schema/index.js';
import type { WorkerEnv } from './env.js';
import { BUNDLED_POLICY_FILES } from './policy-files.js';
import { parsePolicyFiles, pinPolicies } from './policies.js';

const db = drizzle((env as unknown as WorkerEnv).DB, { schema }) as unknown as Db;

describe('policies pinned in D1', () => {
  it('finds a version another deployment recorded after this isolate started, once refreshed', async () => {
    const pinned = await pinPolicies(db, BUNDLED_POLICY_FILES, Date.now(), silentLogger);
    const shipped = pinned.set.get('default')!;
    const later = { ...shipped, version: 7, description: 'recorded by a newer deployment' };
    await createPolicyStore(db).record('default', 7, policyContent(later), Date.now());
    expect(pinned.set.version('default', 7)).toBeUndefined();
    await pinned.refresh();
    expect(pinned.set.version('default', 7)).toMatchObject({ id: 'default', version: 7, description: 'recorded by a newer deployment' });
    // The policies in force are still this deployment's.
    expect(pinned.set.get('default')!.version).toBe(1);
  });

  it('refuses a repeated id and a folder without default, as on Node', () => {
    const text = BUNDLED_POLICY_FILES['nist-aal2.yaml']!;
    const r = parsePolicyFiles({ 'a.yaml': text, 'b.yaml': text });
    expect(r.errors.map((e) => `${e.path} ${e.field}: ${e.message}`)).toEqual([
      'b.yaml id: id "nist-aal2" is already used by a.yaml',
      'policies : no policy with id "default": it is the fallback for every call',
    ]);
  });
});
