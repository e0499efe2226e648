import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tools/**/*.test.ts', 'test/**/*.test.ts'],
    // These run inside workerd (vitest.worker.config.ts), and start:worker's own test with the
    // worker suites (vitest.worker-http.config.ts).
    exclude: ['src/runtime/worker/**', 'src/runtime/worker-dev/start.test.ts', '**/node_modules/**'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
