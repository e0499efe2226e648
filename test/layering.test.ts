import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layers (docs/architecture.md), held by this test: every import in src/ and tools/ is read
// and checked against the rules below. Tests may import across layers; source may not.
//   http, console, elevenlabs, tools → orchestrator → factors → kernel → policy, store, crypto, providers
// Core code (all of src/ but runtime/ and cli/) imports nothing Node-only: it also runs on Workers.

const ROOT = join(import.meta.dirname, '..');

interface Import {
  from: string;
  /** Repo-relative path of the target for a relative import, else the bare package name. */
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Static imports, re-exports and dynamic imports (type-only ones too: a type cycle is still a cycle). */
function importsOf(file: string, text: string): Import[] {
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => (m[1] ?? m[2])!,
  );
  return specs.map((spec) => ({
    from: file,
    to: spec.startsWith('.') ? normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts') : spec,
  }));
}

const NODE_ONLY = /^(node:|better-sqlite3$|@hono\/node-server|drizzle-orm\/better-sqlite3|fs$|path$|crypto$|os$|child_process$)/;
const under = (path: string, ...dirs: string[]) => dirs.some((d) => path === d || path.startsWith(`${d}/`));
/**
 * A factor's data half: its tables, its store and its policy-file section. It sits beside the
 * factor's steps but below the kernel, so the store, policy and kernel layers may import it.
 */
const DATA_HALF = /^src\/factors\/([^/]+\/(schema|store|policy)|sections)\.ts$/;
const factorCode = (path: string) => under(path, 'src/factors') && !DATA_HALF.test(path);

/** Each rule: which importers it covers, and what they must not import (with why). */
const RULES: { name: string; applies: (from: string) => boolean; forbids: (i: Import) => boolean }[] = [
  {
    name: 'core code imports nothing Node-only',
    applies: (f) => under(f, 'src') && !under(f, 'src/runtime', 'src/cli'),
    forbids: (i) => NODE_ONLY.test(i.to),
  },
  {
    name: 'the kernel imports no factor (but its data half), orchestrator, route, tool or runtime',
    applies: (f) => under(f, 'src/kernel'),
    forbids: (i) => factorCode(i.to) || under(i.to, 'src/orchestrator', 'src/http', 'src/console', 'src/elevenlabs', 'tools', 'src/runtime', 'src/cli') || i.to === 'src/app.ts',
  },
  {
    name: 'factors report to the orchestrator through the kernel, never import it (or the service routes, tools, runtime)',
    applies: (f) => under(f, 'src/factors'),
    forbids: (i) =>
      under(i.to, 'src/orchestrator', 'src/console', 'src/elevenlabs', 'tools', 'src/runtime', 'src/cli') ||
      i.to === 'src/app.ts' ||
      // A factor's routes use the HTTP kit (body parsing, error answers), not the service's routes.
      (under(i.to, 'src/http') && !['src/http/body.ts', 'src/http/errors.ts'].includes(i.to)),
  },
  {
    name: 'a factor imports no other factor (shared helpers live in factors/shared)',
    applies: (f) => /^src\/factors\/[^/]+\//.test(f) && !under(f, 'src/factors/shared'),
    forbids: (i) => {
      const own = /^src\/factors\/([^/]+)\//;
      const target = own.exec(i.to)?.[1];
      return target !== undefined && target !== 'shared' && target !== own.exec(i.from)![1];
    },
  },
  {
    name: 'the orchestrator imports no route, tool, integration or runtime',
    applies: (f) => under(f, 'src/orchestrator'),
    forbids: (i) => under(i.to, 'src/http', 'src/console', 'src/elevenlabs', 'tools', 'src/runtime', 'src/cli') || i.to === 'src/app.ts',
  },
  {
    name: "policy, store, crypto, providers and a factor's data half sit below the kernel (providers may use its ports)",
    applies: (f) => under(f, 'src/policy', 'src/store', 'src/crypto', 'src/providers', 'src/audit') || DATA_HALF.test(f),
    forbids: (i) =>
      factorCode(i.to) ||
      under(i.to, 'src/orchestrator', 'src/http', 'src/console', 'src/elevenlabs', 'tools', 'src/runtime', 'src/cli') ||
      (under(i.to, 'src/kernel') && i.to !== 'src/kernel/ports.ts'),
  },
  {
    name: 'config imports no provider',
    applies: (f) => /^src\/config(-[a-z]+)?\.ts$/.test(f),
    forbids: (i) => under(i.to, 'src/providers'),
  },
];

function violations(imports: Import[]): string[] {
  return imports.flatMap((i) => RULES.filter((r) => r.applies(i.from) && r.forbids(i)).map((r) => `${i.from} → ${i.to}: ${r.name}`));
}

describe('the layering', () => {
  const files = [...sourceFiles('src'), ...sourceFiles('tools')];
  const imports = files.flatMap((f) => importsOf(relative(ROOT, join(ROOT, f)), readFileSync(join(ROOT, f), 'utf8')));

  it('reads the whole tree', () => {
    expect(files.length).toBeGreaterThan(150);
    expect(imports.length).toBeGreaterThan(800);
  });

  it('no source file imports against the layers', () => {
    expect(violations(imports)).toEqual([]);
  });

  it('each rule catches what it forbids', () => {
    const broken: Import[] = [
      { from: 'src/factors/otp/otp.ts', to: 'node:crypto' },
      { from: 'src/kernel/step.ts', to: 'src/factors/registry.ts' },
      { from: 'src/factors/did/confirm.ts', to: 'src/orchestrator/settle.ts' },
      { from: 'src/factors/did/steps.ts', to: 'src/factors/otp/otp.ts' },
      { from: 'src/orchestrator/gate.ts', to: 'src/http/tools.ts' },
      { from: 'src/orchestrator/actions.ts', to: 'tools/pre-auth/auth_orchestrator.ts' },
      { from: 'src/store/calls.ts', to: 'src/kernel/services.ts' },
      { from: 'src/config.ts', to: 'src/providers/voxeq/simulator.ts' },
      { from: 'src/kernel/services.ts', to: 'src/factors/did/steps.ts' },
      { from: 'src/store/erasure.ts', to: 'src/factors/push/respond.ts' },
      { from: 'src/factors/did/store.ts', to: 'src/kernel/services.ts' },
      { from: 'src/factors/push/schema.ts', to: 'src/factors/push/steps.ts' },
    ];
    expect(violations(broken)).toHaveLength(broken.length);
    // And what is allowed stays allowed.
    expect(
      violations([
        { from: 'src/factors/otp/otp.ts', to: 'src/factors/shared/hash.ts' },
        { from: 'src/providers/otp/console.ts', to: 'src/kernel/ports.ts' },
        { from: 'src/kernel/services.ts', to: 'src/factors/did/store.ts' },
        { from: 'src/store/erasure.ts', to: 'src/factors/push/schema.ts' },
      ]),
    ).toEqual([]);
  });

  it('every factor folder is in the registry, and the registry holds nothing else', () => {
    const folders = readdirSync(join(ROOT, 'src/factors')).filter((d) => d !== 'shared' && statSync(join(ROOT, 'src/factors', d)).isDirectory());
    const registry = importsOf('src/factors/registry.ts', readFileSync(join(ROOT, 'src/factors/registry.ts'), 'utf8'))
      .map((i) => /^src\/factors\/([^/]+)\/index\.ts$/.exec(i.to)?.[1])
      .filter((x): x is string => x !== undefined);
    expect(registry.sort()).toEqual(folders.sort());
  });
});

describe("the README's layout", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const layout = /## Layout\n\n```\n([\s\S]*?)```/.exec(readme)![1]!;
  const named = [...layout.matchAll(/^(\S+)\s/gm)].map((m) => m[1]!);

  it('names every folder of src/ and the top level, and only folders that exist', () => {
    const srcDirs = readdirSync(join(ROOT, 'src')).filter((d) => statSync(join(ROOT, 'src', d)).isDirectory()).map((d) => `src/${d}/`);
    for (const dir of [...srcDirs, 'tools/', 'policies/', 'migrations/', 'docs/', 'test/']) expect(named, dir).toContain(dir);
    for (const path of named) expect(statSync(join(ROOT, path), { throwIfNoEntry: false }), path).toBeDefined();
  });
});
