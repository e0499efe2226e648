import { existsSync, mkdtempSync, readFileSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/kernel/ports.js';
import { StartupError } from '../src/runtime/node/server.js';
import { onWorker, startTestServer as startServer, type TestServer } from './helpers/runtime.js';
import { ADA } from './helpers/app.js';
import { serverClient } from './helpers/server-client.js';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

const dir = mkdtempSync(join(tmpdir(), 'callgate-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment a newcomer has: no secrets set, so development secrets are generated and kept. */
const env = { CALLGATE_DB: join(dir, 'callgate.sqlite'), PORT: '0', HOST: '127.0.0.1', CALLGATE_POLICY_DIR: 'policies' };

function client(server: TestServer) {
  const c = serverClient(server.url, dir);
  // This suite sends whole bodies (its own conversation id).
  return {
    ...c,
    tool: (body: unknown) => c.request('POST', '/tools/auth_orchestrator', c.secrets.CALLGATE_TOOL_SECRET!, body),
    post: (tool: string, body: unknown) => c.request('POST', `/tools/post/${tool}`, c.secrets.CALLGATE_TOOL_SECRET!, body),
  };
}

describe('end to end over a real socket and a real SQLite file', () => {
  let code = '';

  it('plays a call as ElevenLabs sends it', async () => {
    const lines: string[] = [];
    const server = await startServer({ env, print: (l) => lines.push(l), logger: silentLogger });
    expect(lines.some((l) => l.startsWith('Generated development secrets'))).toBe(true);
    const c = client(server);
    expect((await c.admin('POST', '/customers', ADA)).status).toBe(201);

    // 50 identical initiation webhooks at once, over 50 sockets: one auth_state.
    const rings = await Promise.all(
      Array.from({ length: 50 }, () => c.initiation({ call_sid: 'CAe2e', caller_id: '+14155550142', agent_id: 'a', called_number: '+18005550100' })),
    );
    expect(new Set(rings.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(rings[0]!.body.dynamic_variables.auth_next_step).toBe('identify');

    const base = { call_id: 'CAe2e', conversation_id: 'conv_e2e' };
    expect((await c.tool({ ...base, action: 'identify', account_ref: 'AC-1001-2002' })).body.next_required_step).toBe('otp_send');
    expect((await c.tool({ ...base, action: 'otp_send', channel: 'sms' })).body.success).toBe(true);
    const outbox = await c.admin('GET', '/outbox');
    code = outbox.body.messages[0].code;
    const verified = await c.tool({ ...base, action: 'otp_verify', code });
    expect(verified.body).toMatchObject({ success: true, privileged_allowed: true, auth_state: { status: 'authenticated' } });
    expect((await c.post('account_summary', base)).status).toBe(200);
    await server.close();
  });

  it('keeps every call, secret and used code across a restart', async () => {
    const lines: string[] = [];
    const server = await startServer({ env, print: (l) => lines.push(l), logger: silentLogger });
    expect(lines.some((l) => l.startsWith('Generated development secrets'))).toBe(false);
    const c = client(server);
    const base = { call_id: 'CAe2e', conversation_id: 'conv_e2e' };
    const status = await c.tool({ ...base, action: 'status' });
    expect(status.body).toMatchObject({ privileged_allowed: true, auth_state: { status: 'authenticated', successes: ['otp'] } });
    expect((await c.tool({ ...base, action: 'otp_verify', code })).body.reason).toBe('code_used');
    const trail = await c.admin('GET', '/calls/CAe2e');
    expect(trail.body.events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['call_created', 'identified', 'otp_sent', 'factor_passed', 'policy_decision', 'tool_gate']),
    );
    await server.close();
  });
});

describe('operators see the same on both runtimes', () => {
  it('scrapes the metrics, reads the OpenAPI document and signs in to the console', async () => {
    const server = await startServer({ env, print: () => {}, logger: silentLogger });
    const c = client(server);
    const admin = c.secrets.CALLGATE_ADMIN_TOKEN!;

    const scrape = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } });
    expect(scrape.status).toBe(200);
    const families = parsePrometheusTextFormat(await scrape.text());
    const total = (name: string) => Number(families.find((f) => f.name === name)?.metrics[0]?.value);
    expect(total('callgate_calls_authenticated_total')).toBeGreaterThanOrEqual(1);

    const doc = await fetch(`${server.url}/openapi.json`);
    expect(doc.status).toBe(200);
    expect(((await doc.json()) as { openapi: string }).openapi).toMatch(/^3\.1\./);

    // The console: a wrong token is refused, the right one opens the live calls, which list the call.
    const signIn = (token: string) =>
      fetch(`${server.url}/console/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }),
      });
    expect((await signIn('not-the-token')).status).toBe(401);
    const signedIn = await signIn(admin);
    expect(signedIn.status).toBe(303);
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
    const calls = await fetch(`${server.url}/console/calls`, { headers: { cookie } });
    expect(calls.status).toBe(200);
    const page = await calls.text();
    expect(page).toContain('CAe2e');
    expect(page).not.toContain(admin);
    await server.close();
  });
});

describe('start-up refuses a bad environment with one line per problem', () => {
  it('refuses production without its secrets', async () => {
    const err = await startServer({ env: { ...env, NODE_ENV: 'production' }, print: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartupError);
    const text = (err as StartupError).lines.join('\n');
    for (const name of ['CALLGATE_TOOL_SECRET', 'CALLGATE_IVR_SECRET', 'CALLGATE_ADMIN_TOKEN', 'CALLGATE_SECRET_KEY']) expect(text).toContain(name);
  });

  it('refuses a NODE_ENV it does not know before generating or printing any secret', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'callgate-env-'));
    try {
      const lines: string[] = [];
      const err = (await startServer({ env: { ...env, CALLGATE_DB: join(fresh, 'db.sqlite'), NODE_ENV: 'Production' }, print: (l) => lines.push(l) }).catch(
        (e: unknown) => e,
      )) as StartupError;
      expect(err).toBeInstanceOf(StartupError);
      expect(err.lines).toEqual(['NODE_ENV: must be production, development, test or unset, got "Production"']);
      expect(lines).toEqual([]);
      expect(existsSync(join(fresh, 'dev-secrets.json'))).toBe(false);
      expect(existsSync(join(fresh, 'db.sqlite'))).toBe(false);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('refuses a development server on a non-loopback HOST unless told', async () => {
    const err = (await startServer({ env: { ...env, HOST: '0.0.0.0' }, print: () => {} }).catch((e: unknown) => e)) as StartupError;
    expect(err).toBeInstanceOf(StartupError);
    expect(err.lines.join('\n')).toMatch(/^HOST: 0\.0\.0\.0 is reachable from other machines/);
    const server = await startServer({ env: { ...env, HOST: '0.0.0.0', CALLGATE_ALLOW_REMOTE_DEV: '1' }, print: () => {}, logger: silentLogger });
    await server.close();
  });

  it('refuses a bad value, naming the variable', async () => {
    const err = (await startServer({ env: { ...env, PORT: 'eighty', CALLGATE_OTP_DELIVERY: 'pigeon' }, print: () => {} }).catch((e) => e)) as StartupError;
    expect(err.lines.some((l) => l.startsWith('PORT'))).toBe(true);
    expect(err.lines.some((l) => l.startsWith('CALLGATE_OTP_DELIVERY'))).toBe(true);
  });

  it('refuses a broken policy file with its path and line, and a reload keeps the good set', async () => {
    const policies = join(dir, 'policies');
    cpSync('policies', policies, { recursive: true });
    const server = await startServer({ env: { ...env, CALLGATE_POLICY_DIR: policies }, print: () => {}, logger: silentLogger });
    writeFileSync(join(policies, 'default.yaml'), 'id: default\nversion: 2\ntiers:\n  low: {require: zero, from: [otp]}\n');
    if (!onWorker) {
      // The worker reads its policies at start only.
      const reload = await server.reloadPolicies();
      expect(reload.ok).toBe(false);
      expect(reload.errors.join('\n')).toMatch(/default\.yaml:4:\d+ tiers\.low\.require/);
    }
    const c = client(server);
    const still = await c.tool({ call_id: 'CAr', conversation_id: 'x', action: 'status' });
    expect(still.body.auth_state.policy).toEqual({ id: 'default', version: 1 });
    await server.close();
    const err = (await startServer({ env: { ...env, CALLGATE_POLICY_DIR: policies }, print: () => {} }).catch((e) => e)) as StartupError;
    expect(err).toBeInstanceOf(StartupError);
    expect(err.lines.join('\n')).toMatch(/default\.yaml:4/);
  });
});

describe('an action that names no post-auth tool', () => {
  it('is refused at start-up and on reload', async () => {
    const policies = join(dir, 'policies-typo');
    cpSync('policies', policies, { recursive: true });
    const file = join(policies, 'default.yaml');
    const good = readFileSync(file, 'utf8');
    const typo = good.replace('  transfer_funds:    {require: 2', '  transfer_fund:     {require: 2');
    writeFileSync(file, typo);
    const err = (await startServer({ env: { ...env, CALLGATE_POLICY_DIR: policies }, print: () => {} }).catch((e) => e)) as StartupError;
    expect(err).toBeInstanceOf(StartupError);
    expect(err.lines.join('\n')).toMatch(/default\.yaml:\d+:3 actions\.transfer_fund: .*did you mean "transfer_funds"/);

    writeFileSync(file, good);
    const server = await startServer({ env: { ...env, CALLGATE_POLICY_DIR: policies }, print: () => {}, logger: silentLogger });
    try {
      if (onWorker) return; // the worker reads its policies at start only
      writeFileSync(file, typo.replace('version: 1', 'version: 2'));
      const reload = await server.reloadPolicies();
      expect(reload.ok).toBe(false);
      expect(reload.errors.join('\n')).toMatch(/actions\.transfer_fund: "transfer_fund" is not a post-auth tool/);
      expect(server.policies().get('default')!.version).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('post-call webhook through the real server', () => {
  it('reads ELEVENLABS_WEBHOOK_SECRET from the environment and accepts a long signed transcript', async () => {
    const { hmacHex, importHmacKey } = await import('../src/crypto/hmac.js');
    const secret = 'wsec_0123456789abcdef0123456789abcdef';
    const server = await startServer({ env: { ...env, ELEVENLABS_WEBHOOK_SECRET: secret }, print: () => {}, logger: silentLogger });
    try {
      const transcript = Array.from({ length: 2000 }, (_, i) => ({ role: i % 2 ? 'agent' : 'user', message: `turn ${i} `.repeat(8) }));
      const body = JSON.stringify({ type: 'post_call_transcription', event_timestamp: 1, data: { conversation_id: 'conv_unknown', transcript } });
      expect(body.length).toBeGreaterThan(100_000);
      const t = Math.floor(Date.now() / 1000);
      const v0 = await hmacHex(await importHmacKey(secret), `${t}.${body}`);
      const res = await fetch(`${server.url}/elevenlabs/post-call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'elevenlabs-signature': `t=${t},v0=${v0}` },
        body,
      });
      expect(res.status).toBe(200);
      const unsigned = await fetch(`${server.url}/elevenlabs/post-call`, { method: 'POST', body });
      expect(unsigned.status).toBe(401);
    } finally {
      await server.close();
    }
  });
});
