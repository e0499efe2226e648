// Compiles the Node entry to plain JavaScript for production (`npm run build`, then
// `node dist/runtime/node.mjs`): no TypeScript loader in the serving process, which keeps it out of
// the process' memory (~60 MB of RSS here) and off its start-up. npm packages stay external (they
// are installed next to it); the bundle finds the migrations folder upwards from itself, as the
// source does (src/runtime/node/sqlite.ts).
import { build } from 'esbuild';
import { isMain } from '../src/cli/run-main.js';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Entry (relative to the project root) → output file (relative to dist/). */
export const ENTRIES: Record<string, string> = { 'src/runtime/node/index.ts': 'runtime/node.mjs' };

export async function buildEntries(entries: Record<string, string> = ENTRIES): Promise<string[]> {
  const outputs: string[] = [];
  for (const [entry, out] of Object.entries(entries)) {
    const outfile = resolve(ROOT, 'dist', out);
    await build({
      entryPoints: [resolve(ROOT, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: true,
      logLevel: 'warning',
    });
    outputs.push(outfile);
  }
  return outputs;
}

if (isMain(import.meta.url)) {
  for (const f of await buildEntries()) console.log(`built ${f}`);
}
