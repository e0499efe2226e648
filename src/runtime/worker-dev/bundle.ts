// Node-only: the worker as `wrangler deploy` would bundle it (one ES module; the policy YAML as
// text, as wrangler.toml's [[rules]] say), for workerd through Miniflare on this machine.
import { join } from 'node:path';
import { build } from 'esbuild';

export async function bundleWorker(root: string, outDir: string): Promise<string> {
  const outfile = join(outDir, 'worker.mjs');
  await build({
    entryPoints: [join(root, 'src/runtime/worker/index.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*'],
    loader: { '.yaml': 'text' },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return outfile;
}
