// The suites that start a real server, run against the Cloudflare worker instead of Node
// (CALLGATE_TEST_RUNTIME=worker): each start bundles the worker, applies the D1 migrations and
// boots workerd, so only suites that talk HTTP alone are listed (docs/cloudflare.md says why).
import { defineConfig } from 'vitest/config';

export const WORKER_HTTP_SUITES = ['test/e2e.test.ts', 'test/http.test.ts', 'test/walkthrough.test.ts', 'test/push-fcm.test.ts', 'src/runtime/worker-dev/start.test.ts'];

export default defineConfig({
  test: {
    include: WORKER_HTTP_SUITES,
    env: { CALLGATE_TEST_RUNTIME: 'worker', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
