// Which runtime the server-starting suites talk to: Node (the default) or the Cloudflare worker
// under workerd (CALLGATE_TEST_RUNTIME=worker, `npm run test:worker-http`). Both are started from
// the same environment and answer over a real socket; only the Node server can reload policies.
import { silentLogger } from '../../src/kernel/ports.js';
import { startServer, type RunningServer, type StartOptions } from '../../src/runtime/node/server.js';
import { startWorkerServer } from '../../src/runtime/worker-dev/launch.js';

export const TEST_RUNTIME: 'node' | 'worker' = process.env.CALLGATE_TEST_RUNTIME === 'worker' ? 'worker' : 'node';
export const onWorker = TEST_RUNTIME === 'worker';

export type TestServer = Pick<RunningServer, 'url' | 'close' | 'reloadPolicies' | 'policies'>;

/** `startServer` on Node; on the worker, the same environment through `npm run start:worker`'s code. */
export async function startTestServer(opts: StartOptions): Promise<TestServer> {
  if (!onWorker) return startServer(opts);
  const server = await startWorkerServer({ env: opts.env, logLevel: 'error', ...(opts.print ? { print: opts.print } : {}) });
  const unsupported = () => {
    throw new Error('the worker reads its policies at start: no reload');
  };
  return { url: server.url, close: server.close, reloadPolicies: unsupported, policies: unsupported };
}

export { silentLogger };
