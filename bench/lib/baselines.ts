// The baselines, each in its own process, driven exactly like `status`: same load generator, same
// connections, same kind of rotating JSON body. The bare one answers a fixed body; the "stack" one
// first runs the middleware every callgate tool call goes through (secure headers, body limit, bearer,
// JSON body read).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fromCannon, type ScenarioResult, type Settings } from '../scenarios/types.js';
import { cannon } from './cannon.js';
import { serverEnv } from './machine.js';
import { REPO_ROOT, RssSampler, spawnServer, type Proc } from './proc.js';
import { log, progress } from './progress.js';
import { fmtMs } from './stats.js';

export type BaselineId = 'baseline' | 'baseline_stack';

/** One baseline run; a baseline that cannot run is a failure (pushed), not a throw. */
export async function runBaseline(
  id: BaselineId,
  entry: string,
  title: string,
  load: Pick<Settings, 'connections' | 'warmupS' | 'durationS'>,
  failures: { scale: number | null; scenario: string; error: string }[],
): Promise<ScenarioResult | undefined> {
  const dir = mkdtempSync(join(os.tmpdir(), `callgate-bench-${id}-`));
  let proc: Proc | undefined;
  try {
    progress(`${id}: starting`, true);
    const secret = 'bench-stack-secret-0123456789abcdef';
    const env =
      id === 'baseline'
        ? serverEnv({ PORT: '0' })
        : serverEnv({
            PORT: '0',
            HOST: '127.0.0.1',
            CALLGATE_DB: join(dir, 'stack.sqlite'),
            CALLGATE_POLICY_DIR: join(REPO_ROOT, 'policies'),
            CALLGATE_OTP_DELIVERY: 'console',
            CALLGATE_TOOL_SECRET: secret,
            CALLGATE_IVR_SECRET: `${secret}-ivr`,
            CALLGATE_ADMIN_TOKEN: `${secret}-admin`,
            CALLGATE_SECRET_KEY: `${secret}-key`,
          });
    proc = await spawnServer({ entry, env, logFile: join(dir, 'server.log') });
    let n = 0;
    const spec = {
      url: proc.url,
      path: id === 'baseline' ? '/' : '/tools/bench_fixed',
      method: 'POST' as const,
      headers: { authorization: `Bearer ${secret}` },
      body: () => JSON.stringify({ call_id: `CAbaseline${n % 1000}`, conversation_id: `conv_CAbaseline${n++ % 1000}`, action: 'status' }),
      connections: load.connections,
      check: (s: number) => (s === 200 ? null : `http_${s}`),
    };
    await cannon({ ...spec, durationS: load.warmupS });
    const rss = new RssSampler(proc.pid).start();
    const d = load.durationS;
    const run = await cannon({ ...spec, durationS: d, onTick: (k, s) => progress(`${id}: ${s.toFixed(0)}/${d} s · ${Math.round(k / s).toLocaleString('en-US')} req/s`) });
    const r = fromCannon({ id, title, scale: 0, connections: load.connections }, run, rss.stop());
    r.runtime = 'node';
    log(`${id}: ${r.rps.toLocaleString('en-US')} req/s, p50 ${fmtMs(r.latency.p50)} ms, p99 ${fmtMs(r.latency.p99)} ms, errors ${r.errors.total}`);
    return r;
  } catch (e) {
    failures.push({ scale: null, scenario: id, error: (e as Error).message });
    log(`${id} could not run: ${(e as Error).message}`);
    return undefined;
  } finally {
    await proc?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
