import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policyFilesIn } from '../node/policy-dir.js';
import { ROOT } from './launch.js';

describe('the policies bundled with the worker', () => {
  it('are exactly the files in policies/, each imported from its own file', () => {
    const source = readFileSync(join(ROOT, 'src/runtime/worker/policy-files.ts'), 'utf8');
    const imports = [...source.matchAll(/^import (\w+) from '\.\.\/\.\.\/\.\.\/policies\/([^']+)';$/gm)].map((m) => [m[1]!, m[2]!] as const);
    const entries = [...source.matchAll(/^ {2}'([^']+)': (\w+),$/gm)].map((m) => [m[1]!, m[2]!] as const);
    const folder = policyFilesIn(join(ROOT, 'policies')).map((f) => basename(f));
    expect(imports.map(([, file]) => file).sort()).toEqual(folder);
    expect(entries.map(([name]) => name).sort()).toEqual(folder);
    for (const [name, id] of entries) expect(imports).toContainEqual([id, name]);
  });
});
