// `npm run bench -- --runtime worker`: the same scenarios against `npm run start:worker` (the
// Cloudflare worker under workerd on this machine) instead of the compiled Node entry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { d1FileIn, persistDirOf } from '../../src/runtime/worker-dev/launch.js';
import { REPO_ROOT } from './proc.js';
import { runSeed } from './seed-child.js';

/** The launcher `npm run start:worker` runs (TypeScript through tsx; it only starts workerd). */
export const WORKER_ENTRY = join(REPO_ROOT, 'src/runtime/worker-dev/start.ts');

/**
 * The workerd process the launcher started: where the requests are served, so its memory and CPU
 * are what the bench samples (the launcher itself idles).
 */
export function workerdPidOf(launcher: number): number {
  const children = readFileSync(`/proc/${launcher}/task/${launcher}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  for (const pid of children) {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'workerd') return pid;
  }
  throw new Error(`no workerd process under ${launcher}`);
}

/** Seeds the bench customers' ledger accounts into the running worker's local D1 file (its migrations already applied). */
export function seedWorkerD1(dbFile: string, customers: number, env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const d1 = d1FileIn(persistDirOf({ CALLGATE_DB: dbFile })!);
  return runSeed(['--db', d1, '--worker-d1', '--bench-customers', String(customers)], env);
}
