// The bindings callgate's worker receives (wrangler.toml), and the plain environment its shared
// config code reads from them.
import type { CallObject } from './call-object.js';
import type { RateLimitObject } from './rate-limit.js';

export interface WorkerEnv {
  DB: D1Database;
  CALLS: DurableObjectNamespace<CallObject>;
  LIMITS: DurableObjectNamespace<RateLimitObject>;
  /**
   * Local runs only (`npm run start:worker`): the policy folder's YAML files as a JSON object of
   * file name → text, so CALLGATE_POLICY_DIR means what it means on Node. Unset, the policies
   * bundled with the worker are used.
   */
  POLICY_FILES?: string;
  /** Every configuration variable of docs/api.md, as a var or a secret. */
  [name: string]: unknown;
}

/** Bindings that are not configuration variables (loadConfig would warn about unknown names). */
const NOT_CONFIG = new Set(['DB', 'CALLS', 'LIMITS', 'POLICY_FILES']);

/** The string-valued bindings: what process.env is to the Node runtime. */
export function configEnv(env: WorkerEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!NOT_CONFIG.has(name) && typeof value === 'string') out[name] = value;
  }
  return out;
}
