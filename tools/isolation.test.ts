import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeTool, inputJsonSchema, TOOL_CHANNELS } from './define.js';
import { postAuthTools } from './post-auth/index.js';
import { preAuthToolPath, preAuthTools } from './pre-auth/index.js';
import { toToolConfig } from './tool-config.js';

// Nothing the pre-auth graph registers, returns or says names a post-auth tool.
const postNames = Object.keys(postAuthTools);
const here = dirname(fileURLToPath(import.meta.url));

describe('pre-auth / post-auth isolation', () => {
  it('the registries are disjoint and non-empty', () => {
    expect(postNames.length).toBeGreaterThan(0);
    expect(Object.keys(preAuthTools).length).toBeGreaterThan(0);
    for (const n of Object.keys(preAuthTools)) expect(postNames).not.toContain(n);
  });

  it('no pre-auth tool config, description, enum, schema or doc names a post-auth tool', () => {
    const everything: string[] = [];
    for (const def of Object.values(preAuthTools)) {
      for (const channel of TOOL_CHANNELS) {
        everything.push(
          JSON.stringify(toToolConfig(def, { baseUrl: 'https://x.example', path: preAuthToolPath(def.name), channel, secretId: 's' })),
        );
      }
      everything.push(def.name, def.description, JSON.stringify(def.assignments), JSON.stringify(def.bind));
      everything.push(JSON.stringify(z.toJSONSchema(def.input, { io: 'input' })));
      everything.push(JSON.stringify(z.toJSONSchema(def.input, { io: 'output', unrepresentable: 'any' })));
      everything.push(JSON.stringify(inputJsonSchema(def.input)), describeTool(def));
    }
    const text = everything.join('\n').toLowerCase();
    for (const name of postNames) expect(text, name).not.toContain(name.toLowerCase());
  });

  it('no pre-auth source file imports or mentions the post-auth graph', () => {
    const dir = join(here, 'pre-auth');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const src = readFileSync(join(dir, f), 'utf8');
      expect(src, f).not.toMatch(/from\s+['"][^'"]*post-auth/);
      for (const name of postNames) expect(src, `${f} names ${name}`).not.toContain(name);
    }
  });
});
