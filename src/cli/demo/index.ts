// `npm run demo`: the real server on a free port with a throw-away database, the demo customers,
// and six calls played over real HTTP exactly as ElevenLabs would send them; in the third the
// caller confirms a Dynamic Identifier with the phone-app simulator (src/cli/device/), whose
// device key lives in the temporary folder; in the fifth the VoxEQ screen (its simulator, signing
// with VOXEQ_WEBHOOK_SECRET) flags an authenticated caller on the watch list mid-call; the sixth is
// a fraudster at scale, many calls against one victim, each defence shown by the answer it gives;
// the seventh is confirmed by a push approval on the phone, the eighth denied by "this wasn't me".
// Every answer is checked, so the demo doubles as a smoke test: exit 0 when every expectation
// held, 1 otherwise.
//
//   npm run demo                # play the calls, then delete the temporary database
//   npm run demo -- --keep      # keep it, to try `npm run policy -- explain <call_id>` on it
//
// Each call is a scenario file beside this one (call1-otp-step-up.ts … call6-fraudster/); they share
// the Call client (call.ts) and one expectation helper (expect.ts).
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonLogger } from '../../kernel/ports.js';
import { startServer, StartupError, type RunningServer } from '../../runtime/node/server.js';
import { enrolDevice } from '../device/index.js';
import { enrolDemo, type EnrolResult } from '../demo-data.js';
import { createHttpClient } from '../http-client.js';
import { isMain } from '../run-main.js';
import { auditSummaries } from './audit-trail.js';
import type { Call, DemoDevice, DemoEnv, Tracked } from './call.js';
import { call1 } from './call1-otp-step-up.js';
import { call2 } from './call2-lockout.js';
import { call3 } from './call3-device-did.js';
import { call4 } from './call4-web-totp.js';
import { call5 } from './call5-watch-list.js';
import { call6 } from './call6-fraudster/index.js';
import { call7, call8 } from './call7-push.js';
import { CallAborted, Checks, type Json } from './expect.js';
import { bold, dim, green, header, out, red } from './print.js';

export async function runDemo(argv: string[]): Promise<number> {
  const keep = argv.includes('--keep');
  const dir = mkdtempSync(join(tmpdir(), 'callgate-demo-'));
  const dbFile = join(dir, 'callgate.sqlite');
  const secret = () => randomBytes(32).toString('base64url');
  const toolSecret = secret();
  const adminToken = secret();
  const voxeqSecret = secret();
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  // The shipped policies, wherever the demo is started from: the expectations below are theirs.
  // Calls 7 and 8 add the example push policy on its own line (a copy, the shipped folder untouched).
  const policyDir = join(dir, 'policies');
  mkdirSync(policyDir);
  for (const f of readdirSync(join(repoRoot, 'policies'))) if (/\.ya?ml$/.test(f)) copyFileSync(join(repoRoot, 'policies', f), join(policyDir, f));
  copyFileSync(join(repoRoot, 'policies', 'examples', 'push.yaml'), join(policyDir, 'push.yaml'));
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    CALLGATE_DB: dbFile,
    CALLGATE_POLICY_DIR: policyDir,
    CALLGATE_OTP_DELIVERY: 'console',
    CALLGATE_TOOL_SECRET: toolSecret,
    CALLGATE_IVR_SECRET: secret(),
    CALLGATE_ADMIN_TOKEN: adminToken,
    CALLGATE_SECRET_KEY: secret(),
    VOXEQ_WEBHOOK_SECRET: voxeqSecret,
  };
  let offsetMs = 0;
  const clock = { now: () => Date.now() + offsetMs };

  // The server's structured log lines (one JSON object each), kept for the fraud-ops stream of call 5.
  const logLines: string[] = [];
  const logger = jsonLogger((line) => logLines.push(line));
  const fraudOps = (callId: string): Json[] =>
    logLines
      .map((l) => {
        try {
          return JSON.parse(l) as Json;
        } catch {
          return {};
        }
      })
      .filter((e) => e.stream === 'fraud_ops' && e.call_id === callId);

  let server: RunningServer | undefined;
  const checks = new Checks();
  try {
    try {
      server = await startServer({ env, print: (l) => out(dim(l)), logger, clock });
    } catch (e) {
      if (e instanceof StartupError) {
        console.error(red('demo: the server cannot start:'));
        for (const l of e.lines) console.error(`  ${l}`);
        return 1;
      }
      throw e;
    }
    out(bold('callgate demo'));
    out(`server ${server.url} · temporary database ${dbFile} · policies ${policyDir} · OTP delivery console`);
    out(dim('bearer and signing secrets are random for this run and never printed; tool routes use CALLGATE_TOOL_SECRET, /admin uses CALLGATE_ADMIN_TOKEN, /voxeq/results checks VOXEQ_WEBHOOK_SECRET'));

    // Customers and their ledger accounts through the admin API (in-process).
    const enrolled: EnrolResult[] = await enrolDemo(server.app, adminToken);
    for (const e of enrolled) out(dim(`enrolled ${e.customer_id} (${e.display_name}) · phone ${e.phones.join(', ')} · ${e.accounts.length} ledger accounts${e.totp_uri ? ' · authenticator' : ''}`));

    // A phone-app key for one customer, made and enrolled by the device simulator (POST /admin/customers/{id}/devices).
    const deviceDir = join(dir, 'devices');
    const phone = await enrolDevice({ env: {}, url: server.url, adminToken, deviceDir, customerId: 'demo-ada', deviceId: 'demo-ada-phone' });
    let device: DemoDevice | undefined;
    if (phone.ok) {
      device = { deviceId: phone.deviceId, customerId: phone.customerId, deviceDir };
      out(dim(`enrolled device ${phone.deviceId} for ${phone.customerId} · P-256 key in ${phone.file}`));
    } else {
      checks.record('enrol the demo device', [`enrolDevice failed: ${phone.message}`]);
    }

    const policy = server.services.policies().select({ agent_id: 'agent_demo', called_number: '+18005550100' });
    const demoEnv: DemoEnv = {
      http: createHttpClient(server.url),
      toolSecret,
      adminToken,
      checks,
      clock: { advance: (s) => (offsetMs += s * 1000), now: () => clock.now() },
      longPolls: () => server!.services.waker.waiting(),
      voxeq: { url: `${server.url}/voxeq/results`, secret: voxeqSecret, clock },
      fraudOps,
    };

    const played: Tracked[] = [];
    const play = async (label: string, run: () => Promise<Call | undefined>, expect: Tracked['expect']) => {
      try {
        const call = await run();
        if (call) played.push({ label, call, expect });
      } catch (e) {
        const why = e instanceof CallAborted ? e.message : `${(e as Error).name}: ${(e as Error).message}`;
        checks.record(label, [`stopped: ${why}`]);
      }
    };
    await play('Call 1', () => call1(demoEnv, policy), {
      status: 'authenticated',
      types: ['call_created', 'identified', 'otp_sent', 'factor_passed', 'policy_decision', 'tool_gate', 'tool_result'],
    });
    await play('Call 2', () => call2(demoEnv, policy), {
      status: 'handed_off',
      types: ['call_created', 'identified', 'otp_sent', 'factor_failed', 'wrong_code_burst', 'handoff', 'policy_decision', 'tool_gate'],
    });
    if (device) {
      const phoneKey = device;
      await play('Call 3', () => call3(demoEnv, phoneKey), {
        status: 'authenticated',
        types: ['call_created', 'session_created', 'did_issued', 'identified', 'factor_passed', 'confirmed', 'policy_decision', 'tool_result'],
      });
    }
    await play('Call 4', () => call4(demoEnv, enrolled, clock), {
      status: 'authenticated',
      types: ['call_created', 'identified', 'factor_passed', 'policy_decision', 'tool_result'],
    });
    await play('Call 5', () => call5(demoEnv, policy), {
      status: 'handed_off',
      types: ['call_created', 'screen_result', 'identified', 'otp_sent', 'factor_passed', 'tool_result', 'screen_risk', 'handoff', 'policy_decision', 'tool_gate'],
    });
    // Call 6 is many calls: each one worth auditing is tracked as it is played (nothing is returned).
    await play('Call 6', () => call6(demoEnv, policy, device, (t) => played.push(t)), { status: 'authenticated', types: [] });
    if (device) {
      const phoneKey = device;
      // An hour on: the caller-ID and send windows the earlier calls filled are behind them.
      demoEnv.clock.advance(3_601);
      await play('Call 7', () => call7(demoEnv, phoneKey), {
        status: 'authenticated',
        types: ['call_created', 'identified', 'push_sent', 'factor_passed', 'push_approved', 'policy_decision', 'tool_result'],
      });
      await play('Call 8', () => call8(demoEnv, phoneKey), {
        status: 'blocked',
        types: ['call_created', 'identified', 'push_sent', 'call_blocked', 'handoff', 'push_denied'],
      });
    }
    await auditSummaries(demoEnv, played);
    await showMetrics(server.url, adminToken);

    out();
    if (keep) {
      out(`database kept: ${dbFile}`);
      for (const { call } of played) out(dim(`  CALLGATE_DB=${dbFile} npm run policy -- explain ${call.callId}`));
      if (device) out(dim(`  CALLGATE_DEVICE_DIR=${device.deviceDir} npm run device -- list`));
      // This run's server is gone and its token was never printed; a server started on the kept file
      // reuses the development secrets written beside it, so this is the console that shows these calls.
      out(dim(`  CALLGATE_DB=${dbFile} npm start   # then http://127.0.0.1:8787/console, admin token in ${join(dir, 'dev-secrets.json')}`));
    }
    if (checks.failures.length === 0) {
      out(bold(green(`✓ demo passed: ${checks.passed} checks held`)));
      return 0;
    }
    out(bold(red(`✗ demo failed: ${checks.failures.length} check(s) did not hold (${checks.passed} held):`)));
    for (const f of checks.failures) out(red(`  - ${f}`));
    return 1;
  } catch (e) {
    console.error(red(`demo: unexpected error: ${(e as Error).stack ?? String(e)}`));
    return 1;
  } finally {
    await server?.close();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** What the demo's calls left in `GET /metrics` (read from the database, as any scrape would). */
async function showMetrics(url: string, adminToken: string): Promise<void> {
  header('What an operator scrapes (GET /metrics)');
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
  const wanted = /^callgate_(calls_created_total|calls_authenticated_total|calls_handed_off_total|containment_ratio|factor_attempts_total|budget_locks_total|otp_sends_refused_total|breaker_trips_total|did_issued_total|did_resolved_total)\b/;
  const lines = (await res.text()).split('\n').filter((l) => wanted.test(l));
  for (const l of lines) out(`  ${l}`);
  out(dim(`  ${url}/metrics (admin bearer) has the rest: histograms, screen results, policy decisions`));
}

if (isMain(import.meta.url)) {
  const code = await runDemo(process.argv.slice(2));
  process.exit(code);
}
