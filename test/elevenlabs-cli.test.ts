// `npm run elevenlabs -- …` as docs/elevenlabs.md tells a person to run it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { postAuthTools } from '../tools/post-auth/index.js';
import { main, type Io } from '../src/cli/elevenlabs.js';
import { buildPlan } from '../src/elevenlabs/configs.js';
import { POST_AUTH_PROMPT, PRE_AUTH_PROMPT } from '../src/elevenlabs/prompt.js';
import { startFakeElevenLabs, type FakeElevenLabs } from './fakes/elevenlabs.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = readFileSync(join(ROOT, 'docs/elevenlabs.md'), 'utf8');
const TOOLS = ['auth_orchestrator', ...Object.keys(postAuthTools)];
const dir = mkdtempSync(join(tmpdir(), 'callgate-el-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(env: Record<string, string | undefined>): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env };
}

/** A fresh checkout's environment: nothing callgate or ElevenLabs reads. */
function bareEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(CALLGATE_|ELEVENLABS_|TWILIO_)/.test(k) || ['NODE_ENV', 'PORT', 'HOST'].includes(k)) continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

function npmRun(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['run', '--silent', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe('push --dry-run and export: no network, no API key', () => {
  it('`npm run elevenlabs -- push --dry-run` prints every config on a fresh checkout', async () => {
    const db = join(dir, 'fresh', 'callgate.sqlite');
    const r = await npmRun(['elevenlabs', '--', 'push', '--dry-run'], bareEnv({ CALLGATE_DB: db }));
    expect(r.code, r.stderr).toBe(0);
    for (const t of TOOLS) expect(r.stdout).toContain(`"name": "${t}"`);
    expect(r.stdout).toContain('"workflow"');
    expect(r.stdout).toContain('conversation_initiation_client_data_webhook');
    expect(r.stderr).toMatch(/CALLGATE_PUBLIC_URL is not set/);
    // Nothing was generated or written (no dev secrets, no database).
    expect(existsSync(dirname(db))).toBe(false);
  }, 90_000);

  describe('in process', () => {
    let fake: FakeElevenLabs;
    beforeEach(async () => {
      fake = await startFakeElevenLabs();
      vi.stubGlobal('fetch', () => {
        throw new Error('no network in a dry run');
      });
    });
    afterEach(async () => {
      vi.unstubAllGlobals();
      await fake.close();
    });

    it('sends nothing even with a key and a reachable API, and prints exactly the plan', async () => {
      const io = capture({ ELEVENLABS_API_KEY: fake.apiKey, ELEVENLABS_BASE_URL: fake.url, CALLGATE_PUBLIC_URL: 'https://cg.example.com' });
      expect(await main(['push', '--dry-run', '--handoff-number', '+15550001111'], io)).toBe(0);
      expect(fake.requests).toHaveLength(0);
      expect(io.stderr).toEqual([]);
      const plan = buildPlan({ publicUrl: 'https://cg.example.com', handoffNumber: '+15550001111' });
      const text = io.stdout.join('\n');
      expect(text).toContain(JSON.stringify(plan.agent, null, 2));
      for (const t of plan.tools) expect(text).toContain(JSON.stringify(t.request, null, 2));
      expect(text).toContain(JSON.stringify(plan.settings, null, 2));
    });

    it('names the secret from CALLGATE_TOOL_SECRET when set, and never prints it', async () => {
      const io = capture({ CALLGATE_PUBLIC_URL: 'https://cg.example.com', CALLGATE_TOOL_SECRET: 'visible-only-to-callgate-0123456789' });
      expect(await main(['push', '--dry-run'], io)).toBe(0);
      const text = io.stdout.join('\n');
      expect(text).toMatch(/callgate_tool_bearer_[0-9a-f]{12}/);
      expect(text).not.toContain('visible-only-to-callgate-0123456789');
    });

    it('export writes one JSON file per resource', async () => {
      const out = join(dir, 'export');
      const io = capture({ CALLGATE_PUBLIC_URL: 'https://cg.example.com' });
      expect(await main(['export', '--out', out], io)).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['agent.json', 'secret.json', 'settings.json', 'tools']);
      expect(readdirSync(join(out, 'tools')).sort()).toEqual(TOOLS.map((t) => `${t}.json`).sort());
      const plan = buildPlan({ publicUrl: 'https://cg.example.com' });
      expect(JSON.parse(readFileSync(join(out, 'agent.json'), 'utf8'))).toEqual(plan.agent);
      expect(JSON.parse(readFileSync(join(out, 'tools', 'auth_orchestrator.json'), 'utf8'))).toEqual(plan.tools[0]!.request);
      expect(fake.requests).toHaveLength(0);
    });
  });
});

describe('push', () => {
  let fake: FakeElevenLabs;
  beforeEach(async () => {
    fake = await startFakeElevenLabs();
  });
  afterEach(() => fake.close());

  const env = (extra: Record<string, string | undefined> = {}) => ({
    ELEVENLABS_API_KEY: fake.apiKey,
    ELEVENLABS_BASE_URL: fake.url,
    CALLGATE_PUBLIC_URL: 'https://cg.example.com',
    CALLGATE_DB: join(dir, 'push', 'callgate.sqlite'),
    ...extra,
  });

  it('creates, then says "no changes", with the server’s development secret', async () => {
    const first = capture(env());
    expect(await main(['push'], first)).toBe(0);
    expect(first.stdout.filter((l) => l.startsWith('created'))).toHaveLength(TOOLS.length + 2);
    // The same generated secret `npm start` uses (dev-secrets.json next to CALLGATE_DB).
    const dev = JSON.parse(readFileSync(join(dir, 'push', 'dev-secrets.json'), 'utf8')) as Record<string, string>;
    expect([...fake.secrets.values()][0]!.value).toBe(`Bearer ${dev.CALLGATE_TOOL_SECRET}`);

    const second = capture(env());
    expect(await main(['push'], second)).toBe(0);
    expect(second.stdout.some((l) => l.startsWith('no changes; agent agent_'))).toBe(true);
    expect(second.stdout.filter((l) => /^(created|updated)/.test(l))).toEqual([]);
  });

  it('needs an API key and a public URL, and reports an API refusal', async () => {
    const noKey = capture(env({ ELEVENLABS_API_KEY: undefined }));
    expect(await main(['push'], noKey)).toBe(1);
    expect(noKey.stderr.join('\n')).toMatch(/ELEVENLABS_API_KEY: required/);

    const noUrl = capture(env({ CALLGATE_PUBLIC_URL: undefined }));
    expect(await main(['push'], noUrl)).toBe(1);
    expect(noUrl.stderr.join('\n')).toMatch(/CALLGATE_PUBLIC_URL: required/);

    const wrongKey = capture(env({ ELEVENLABS_API_KEY: 'sk_wrong' }));
    expect(await main(['push'], wrongKey)).toBe(1);
    expect(wrongKey.stderr.join('\n')).toMatch(/refused the API key \(401\)/);
  });

  it('refuses bad options with the usage', async () => {
    for (const args of [['push', '--handoff-number', '555'], ['push', '--channel', 'fax'], ['push', '--bogus'], ['deploy']]) {
      const io = capture(env());
      expect(await main(args, io), args.join(' ')).toBe(2);
      expect(io.stderr.join('\n')).toMatch(/usage: npm run elevenlabs/);
    }
    expect(fake.requests).toHaveLength(0);
  });
});

describe('docs/elevenlabs.md', () => {
  it('quotes the prompts push sends, word for word', () => {
    expect(DOC).toContain(PRE_AUTH_PROMPT);
    expect(DOC).toContain(POST_AUTH_PROMPT);
  });

  it('documents only commands that parse', async () => {
    const commands = [...DOC.matchAll(/npm run elevenlabs -- ([^\n#`]+)/g)].map((m) => m[1]!.trim().split(/\s+/));
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const args of commands) {
      // Each documented command, as a dry run: it must be accepted (exit 0) without a network.
      const dry = args[0] === 'push' && !args.includes('--dry-run') ? [...args, '--dry-run'] : args;
      const out = args[0] === 'export' ? [...dry, '--out', join(dir, 'doc-export')] : dry;
      const io = capture({ CALLGATE_PUBLIC_URL: 'https://cg.example.com' });
      expect(await main(out, io), `${args.join(' ')}: ${io.stderr.join('\n')}`).toBe(0);
    }
  });

  it('is linked from the README', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('(docs/elevenlabs.md)');
  });
});
