// The CLI entry points as a person runs them: `npm run demo`, `npm run seed:demo`,
// `npm run policy -- explain <call_id>`, each as a child process against temporary databases.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import explain from '../src/cli/explain.js';
import { silentLogger } from '../src/kernel/ports.js';
import { startServer } from '../src/runtime/node/server.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const POLICIES = join(ROOT, 'policies');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The inherited environment minus anything callgate reads, plus `extra`. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('CALLGATE_') || k.startsWith('TWILIO_') || k === 'NODE_ENV' || k === 'PORT' || k === 'HOST') continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

function run(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Ran> {
  return new Promise((done, fail) => {
    const child = spawn('npx', ['tsx', script, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${script} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe('npm run demo', () => {
  it('plays the calls over HTTP and exits 0 when every expectation holds', { timeout: 90_000 }, async () => {
    const r = await run('src/cli/demo/index.ts', [], cleanEnv({}), 75_000);
    // On failure, show what the demo says did not hold (its summary), not the whole transcript.
    const summary = r.stdout.slice(Math.max(0, r.stdout.lastIndexOf('━━ Audit trail'))) + r.stderr.slice(-2000);
    expect(r.code, summary).toBe(0);
    expect(r.stdout, summary).toContain('✓ demo passed');
    // Call 1: one factor authenticates, a transfer needs a second, then money moves.
    expect(r.stdout).toContain('Call 1');
    expect(r.stdout).toMatch(/POST \/elevenlabs\/initiation .*"call_sid":"CA[0-9a-f]{32}"/);
    expect(r.stdout).toMatch(/← 403 success=false reason=step_up_required next=kba_question/);
    expect(r.stdout).toMatch(/← 200 success=true trf_\w+: \$250\.00 …4211 → …7733 completed/);
    expect(r.stdout).toContain('checking $2,450.00 → $2,200.00, savings $8,100.00 → $8,350.00');
    // Call 2: lockout, handoff packet, everything refused afterwards.
    expect(r.stdout).toMatch(/reason=locked next=transfer_to_human privileged=false \| handed_off/);
    expect(r.stdout).toContain('"reason": "lockout"');
    expect(r.stdout).toMatch(/← 403 success=false reason=blocked next=transfer_to_human/);
    // Call 3: an unidentified caller, a Dynamic Identifier, the phone-app simulator confirms it while
    // did_wait long-polls; the device identifies the caller and the call is authenticated.
    expect(r.stdout).toContain('Call 3 · unidentified caller');
    const keyFile = /enrolled device demo-ada-phone for demo-ada · P-256 key in (\S+demo-ada-phone\.json)/.exec(r.stdout)?.[1];
    expect(keyFile, 'the demo enrols a device key in a temporary folder').toBeDefined();
    expect(existsSync(keyFile!), 'the temporary device key is deleted with the database').toBe(false);
    expect(r.stdout).toMatch(/← 200 success=true reason=ok next=did_wait privileged=false \| pending .*did=\d{6} ttl=\d+s ✓/);
    expect(r.stdout).toMatch(/agent says: "Your verification number is \d, \d, \d, \d, \d, \d\. Open the app/);
    expect(r.stdout).toMatch(/→ POST \/tools\/auth_orchestrator .*"action":"did_wait","wait_seconds":15\}\n {3}did_wait is holding on the server/);
    expect(r.stdout).toMatch(
      /phone POST \/app\/challenge → sign .*← 200 confirmed session did_\w+ \(device round trip \d+ ms: challenge \d+ ms, confirm \d+ ms\) ✓/,
    );
    expect(r.stdout).toMatch(/← 200 success=true reason=ok next=none privileged=true \| authenticated tier=low successes=1\/1\[did\] did_status=confirmed ✓/);
    expect(r.stdout).toMatch(/confirm-to-answer: did_wait answered \d+\.\d ms (after|before) the phone got its confirmation/);
    expect(r.stdout).toMatch(/session_created \(elevenlabs, attempt 1\) → did_issued \(ttl 60 s\) → identified \(by device → demo-ada\) → factor_passed \(did\) → confirmed \(device demo-ada-phone\)/);
    expect(r.stdout).not.toContain('"d":'); // no private key, ever
    // Call 4: a web session with an authenticator code.
    expect(r.stdout).toContain('Call 4 · web session');
    // Call 5: VoxEQ posts signed verdicts over HTTP; a watch-list hit hands an authenticated call off.
    expect(r.stdout).toContain('Call 5 · watch-list hit mid-call');
    expect(r.stdout).toMatch(/→ POST \/voxeq\/results X-Callgate-Signature: t=\d+,v1=[0-9a-f]{12}… \{"risk":"clear",.*"call_id":"CA[0-9a-f]{32}"\}\n {3}← 200 success=true status=pending risk_tier=low privileged=false ✓/);
    expect(r.stdout).toMatch(/"action":"otp_verify".*\n {3}← 200 success=true reason=ok next=none privileged=true \| authenticated tier=low/);
    expect(r.stdout).toMatch(/\{"risk":"high","watch_list":true,.*\}\n {3}← 200 success=true status=handed_off risk_tier=high privileged=false ✓/);
    expect(r.stdout).toMatch(/"action":"status"\}\n {3}← 200 success=true reason=ok next=transfer_to_human privileged=false \| handed_off tier=high .*handoff→fraud_review \(risk_high\) ✓/);
    expect(r.stdout).toContain('"reason": "risk_high"');
    expect(r.stdout).toMatch(/"summary": "Handoff \(risk high\)\. Caller claims customer demo-alan .*Passed: otp\. Risk: .*watch_list/);
    expect(r.stdout).toMatch(/"risk_labels": \[[^\]]*"watch_list"/);
    expect(r.stdout).toMatch(/"amount":900\}\n {3}← 403 success=false reason=blocked next=transfer_to_human ✓/);
    expect(r.stdout).toMatch(/"score":0\.02,.*\}\n {3}← 200 success=true status=handed_off risk_tier=\w+ privileged=false ✓/);
    expect(r.stdout).toMatch(/\(the same bytes again\)\n {3}← 409 success=false reason=replayed ✓/);
    expect(r.stdout).toMatch(
      /fraud-ops stream \(server log lines with "stream":"fraud_ops" for CA[0-9a-f]{32}\)\n {5}\S+ screen_risk risk=high labels=.*watch_list\n {5}\S+ handoff queue=fraud_review reason=risk_high status=handed_off factors_passed=otp/,
    );
    expect(r.stdout).not.toMatch(/v1=[0-9a-f]{64}/); // signatures are shortened in the transcript
    // The audit trail section names each call's events in order.
    expect(r.stdout).toMatch(/Call 2 CA[0-9a-f]{32}: status handed_off/);
    expect(r.stdout).toMatch(/factor_failed .*handoff/);
    expect(r.stdout).toMatch(/Call 3 CA[0-9a-f]{32}: status authenticated, \d+ events, 0 failed checks\n {3}call_created → session_created → did_issued → .*confirmed/);
    expect(r.stdout).toMatch(/Call 4 conv_[0-9a-f]{20}: status authenticated/);
    expect(r.stdout).toMatch(/Call 5 CA[0-9a-f]{32}: status handed_off, \d+ events, 0 failed checks\n {3}call_created → screen_result → .*screen_result → screen_risk → handoff → /);
    // KBA answers and bearer secrets are never printed; colours only on a TTY.
    expect(r.stdout).toContain('"answer":"‹answer hidden›"');
    expect(r.stdout).not.toMatch(/Bletchley|Pacific Gas|Bearer /);
    expect(r.stdout).not.toContain('\x1b[');
  });
});

describe('npm run seed:demo and npm run policy -- explain', () => {
  let dir: string;
  let db: string;
  let env: NodeJS.ProcessEnv;
  let callId: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'callgate-cli-test-'));
    db = join(dir, 'callgate.sqlite');
    env = cleanEnv({ CALLGATE_DB: db, CALLGATE_POLICY_DIR: POLICIES });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('enrols the demo customers once; a second run says they are already enrolled', { timeout: 60_000 }, async () => {
    const first = await run('src/cli/seed-demo.ts', [], env);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain('✓ demo-ada (Ada Lovelace): enrolled');
    expect(first.stdout).toContain('phone +14155550142');
    expect(first.stdout).toContain('account refs M-100042');
    expect(first.stdout).toMatch(/otpauth:\/\/totp\/callgate:Grace%20Hopper\?secret=[A-Z2-7]+/);
    expect(first.stdout).toContain('3 enrolled, 0 already enrolled.');

    const second = await run('src/cli/seed-demo.ts', [], env);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain('• demo-ada (Ada Lovelace): already enrolled (nothing changed)');
    expect(second.stdout).toContain('All 3 demo customers were already enrolled; nothing changed.');
    expect(second.stdout).toContain('already present (balances kept as they are)');
    // The otpauth URI is shown once, at enrolment; the dev secrets too.
    expect(second.stdout).not.toContain('otpauth://');
    expect(second.stdout).not.toContain('Generated development secrets');
  });

  it('explains a call recorded by the server in the same database', { timeout: 60_000 }, async () => {
    // The server with the same environment: same database, same development secrets file.
    const server = await startServer({
      env: { CALLGATE_DB: db, CALLGATE_POLICY_DIR: POLICIES, PORT: '0', HOST: '127.0.0.1' },
      print: () => {},
      logger: silentLogger,
      otpSender: undefined,
    });
    callId = `CA${'0123456789abcdef'.repeat(2)}`;
    let code = '';
    try {
      const post = async (path: string, body: unknown, bearer = server.config.secrets.tool) => {
        const res = await fetch(`${server.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
      };
      const init = await post('/elevenlabs/initiation', { caller_id: '+14155550142', agent_id: 'agent_test', called_number: '+18005550100', call_sid: callId });
      expect(init.status).toBe(200);
      const base = { call_id: callId, conversation_id: 'conv_cli_test' };
      expect((await post('/tools/auth_orchestrator', { ...base, action: 'identify', account_ref: 'M-100042' })).body.success).toBe(true);
      const sent = await post('/tools/auth_orchestrator', { ...base, action: 'otp_send', channel: 'sms' });
      expect(sent.body).toMatchObject({ success: true, next_required_step: 'otp_verify' });
      const outbox = await fetch(`${server.url}/admin/outbox`, { headers: { authorization: `Bearer ${server.config.secrets.admin}` } });
      const { messages } = (await outbox.json()) as { messages: { call_id: string; code: string }[] };
      code = messages.find((m) => m.call_id === callId)?.code ?? '';
      expect(code).toMatch(/^\d{6}$/);
      const verified = await post('/tools/auth_orchestrator', { ...base, action: 'otp_verify', code });
      expect(verified.body).toMatchObject({ success: true, privileged_allowed: true });
    } finally {
      await server.close();
    }

    const text = await run('src/cli/policy.ts', ['explain', callId], env);
    expect(text.code, text.stdout + text.stderr).toBe(0);
    expect(text.stdout).toContain(`Call ${callId}`);
    expect(text.stdout).toContain('Risk tier: low');
    expect(text.stdout).toContain('counted     1, 1 required: otp');
    expect(text.stdout).toMatch(/transfer_funds\s+refused: step_up_required\s+needs 2, each within 300 s; counted 1 \(otp\)/);
    expect(text.stdout).toMatch(/account_summary\s+allowed/);
    expect(text.stdout).toMatch(/otp_verify\s+→ authenticated\s+tier low\s+allow\s+1\/1 \(otp\)/);
    expect(text.stdout).toContain('✓ otp passed');
    // No code, ever (as a number of its own: the output is full of longer digit runs, e.g. epoch ms).
    const codeAlone = new RegExp(`(^|\\D)${code}(\\D|$)`);
    expect(text.stdout).not.toMatch(codeAlone);

    const json = await run('src/cli/policy.ts', ['explain', callId, '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).not.toMatch(codeAlone);
    const parsed = JSON.parse(json.stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(parsed.call).toMatchObject({ id: callId, status: 'authenticated', customer_id: 'demo-ada' });
    expect(parsed.decision).toMatchObject({ tier: 'low', counted: ['otp'], required: 1, allowed: true });
    expect(parsed.tools).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ tool: 'transfer_funds', allowed: false, reason: 'step_up_required', required: 2 }),
        expect.objectContaining({ tool: 'account_summary', allowed: true, reason: 'ok' }),
      ]),
    );
    expect(parsed.history.at(-1)).toMatchObject({ trigger: 'otp_verify', status: 'authenticated', counted: ['otp'] });
  });

  it('exits 1 for a call that is not in the database', { timeout: 60_000 }, async () => {
    const r = await run('src/cli/policy.ts', ['explain', 'CA-no-such-call'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no call "CA-no-such-call"');
  });

  it('explains with the version the call started under, even after the file moved on (in-process)', async () => {
    const moved = mkdtempSync(join(tmpdir(), 'callgate-cli-moved-'));
    try {
      cpSync(POLICIES, moved, { recursive: true });
      const file = join(moved, 'default.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('version: 1', 'version: 2').replace('low:    {require: 1', 'low:    {require: 2'));
      const lines: string[] = [];
      const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
      expect(await explain(callId, [], { ...io, env: { CALLGATE_DB: db, CALLGATE_POLICY_DIR: moved } })).toBe(0);
      expect(lines.join('\n')).toContain('counted     1, 1 required: otp');
    } finally {
      rmSync(moved, { recursive: true, force: true });
    }
  });

  it('exits 1 without a database and 2 on an unknown flag (in-process)', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    expect(await explain('CA1', [], { ...io, env: { CALLGATE_DB: join(dir, 'missing.sqlite') } })).toBe(1);
    expect(lines.join('\n')).toContain('no database at');
    expect(await explain('CA1', ['--yaml'], { ...io, env: { CALLGATE_DB: db } })).toBe(2);
  });
});
