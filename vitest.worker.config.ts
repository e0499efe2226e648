// The tests that run inside workerd (the Durable Objects, the worker over D1): `npm run test:worker`.
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Offline: no fetch of Cloudflare's request metadata for each test run.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';

export const WORKER_TEST_SECRETS = {
  CALLGATE_TOOL_SECRET: 'worker-test-tool-secret-0123456789abcdef',
  CALLGATE_IVR_SECRET: 'worker-test-ivr-secret-0123456789abcdef',
  CALLGATE_ADMIN_TOKEN: 'worker-test-admin-token-0123456789abcdef',
  CALLGATE_SECRET_KEY: 'worker-test-secret-key-0123456789abcdef',
  // A fraud screen is expected (pushed results), so each call keeps a screen deadline.
  VOXEQ_WEBHOOK_SECRET: 'worker-test-voxeq-secret-0123456789abcdef',
};

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: { ...WORKER_TEST_SECRETS, NODE_ENV: 'test', TEST_MIGRATIONS: await readD1Migrations('./migrations') },
      },
    })),
  ],
  test: {
    include: ['src/runtime/worker/**/*.test.ts'],
    // The worker's JSON log lines only when a test fails.
    silent: 'passed-only',
    setupFiles: ['./src/runtime/worker/test-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
