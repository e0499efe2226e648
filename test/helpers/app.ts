import { createApp } from '../../src/app.js';
import { createKeys } from '../../src/crypto/keys.js';
import { jsonLogger, type PushSender } from '../../src/kernel/ports.js';
import { createLocalTimers, type LocalTimers } from '../../src/kernel/timers.js';
import { parsePolicy, PolicySet, type Policy } from '../../src/policy/index.js';
import { createConsoleSender, DevOutbox, type OtpSender } from '../../src/providers/otp/index.js';
import { createLedgerStore } from '../../src/store/ledger.js';
import { loadPolicyDir } from '../../src/runtime/node/policy-dir.js';
import type { RateLimiter } from '../../src/kernel/rate-limit.js';
import type { ScreenProvider } from '../../src/providers/voxeq/types.js';
import type { TwilioCallRedirector } from '../../src/providers/twilio/calls.js';
import { confirmMessage, generateDeviceKeyPair, importDevicePrivateKey, signAsDevice } from '../../src/crypto/device-signature.js';
import { fakeClock } from './clock.js';
import type { RandomSource } from '../../src/crypto/random.js';
import { openTestDb } from './db.js';

export const SECRETS = { tool: 'test-tool-secret', ivr: 'test-ivr-secret', admin: 'test-admin-token' };
export const SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789';

/** The shipped policies, optionally with extra YAML policies (e.g. a stricter `default`). */
export function testPolicies(extraYaml: string[] = []): PolicySet {
  const shipped = loadPolicyDir('policies');
  if (shipped.errors.length) throw new Error(JSON.stringify(shipped.errors));
  const extra = extraYaml.map((text, i) => {
    const r = parsePolicy(text, `extra-${i}.yaml`);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.policy;
  });
  const ids = new Set(extra.map((p) => p.id));
  return new PolicySet([...extra, ...shipped.policies.filter((p: Policy) => !ids.has(p.id))]);
}

export interface TestAppOptions {
  policies?: PolicySet;
  otpSender?: OtpSender;
  twilio?: { authToken: string; redirector: TwilioCallRedirector };
  rateLimiter?: RateLimiter;
  screen?: { webhookSecret?: string; provider?: ScreenProvider };
  hostSessionSecret?: string;
  /** Predictable randomness (e.g. to force a DID collision). */
  random?: RandomSource;
  /** CALLGATE_METRICS_TOKEN: a scrape-only bearer for GET /metrics. */
  metricsToken?: string;
  /** Push delivery (Web Push…) for push approvals; absent, devices use the pull channel. */
  pushSender?: PushSender;
}

export const PUBLIC_URL = 'https://callgate.example.com';
/** For races: every request gets through, so the race is decided by the state machine alone. */
export const unlimited: RateLimiter = { take: () => true, exhausted: () => false };

/** The real app over a real (in-memory) SQLite database, a fake clock and the console OTP sender. */
export async function makeTestApp(opts: TestAppOptions = {}) {
  const opened = openTestDb();
  const clock = fakeClock();
  const outbox = new DevOutbox();
  const logs: string[] = [];
  const consoleLines: string[] = [];
  const keys = await createKeys(SECRET_KEY);
  const policies = opts.policies ?? testPolicies();
  const logger = jsonLogger((l) => logs.push(l));
  // The fake clock does not move by itself: a test runs the timers it made due (t.timers.runDue()).
  let timers: LocalTimers | undefined;
  const { app, services, drain } = createApp({
    timers: (run) => (timers = createLocalTimers(clock, run, logger, { manual: true })),
    twilio: opts.twilio,
    publicUrl: PUBLIC_URL,
    ...(opts.rateLimiter ? { rateLimiter: opts.rateLimiter } : {}),
    screen: opts.screen,
    hostSessionSecret: opts.hostSessionSecret,
    ...(opts.random ? { random: opts.random } : {}),
    ...(opts.pushSender ? { pushSender: opts.pushSender } : {}),
    db: opened.db,
    secrets: { ...SECRETS, ...(opts.metricsToken ? { metrics: opts.metricsToken } : {}) },
    keys,
    policies: () => policies,
    otpSender: opts.otpSender ?? createConsoleSender({ outbox, clock, write: (l) => consoleLines.push(l) }),
    outbox,
    clock,
    logger,
  });
  const responses: string[] = [];

  async function send(method: string, path: string, body: unknown, token: string) {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    responses.push(text);
    return { status: res.status, body: JSON.parse(text) as Record<string, any> };
  }

  const t = {
    app,
    services,
    drain,
    db: opened.db,
    sqlite: opened.sqlite,
    clock,
    /** The call timers (DID TTL, push expiry, screen deadline), run by hand on the fake clock. */
    timers: timers!,
    outbox,
    logs,
    consoleLines,
    responses,
    ledger: createLedgerStore(opened.db),
    send,
    initiation: (body: Record<string, unknown>) => send('POST', '/elevenlabs/initiation', body, SECRETS.tool),
    /** One auth_orchestrator call; `conversation_id` defaults to `conv-<call_id>`. */
    tool: (call_id: string, action: string, args: Record<string, unknown> = {}) =>
      send('POST', '/tools/auth_orchestrator', { call_id, conversation_id: `conv-${call_id}`, action, ...args }, SECRETS.tool),
    post: (tool: string, call_id: string, args: Record<string, unknown> = {}) =>
      send('POST', `/tools/post/${tool}`, { call_id, conversation_id: `conv-${call_id}`, ...args }, SECRETS.tool),
    admin: (method: string, path: string, body?: unknown) => send(method, `/admin${path}`, body, SECRETS.admin),
    ivr: (method: string, path: string, body?: unknown) => send(method, `/ivr${path}`, body, SECRETS.ivr),
    appPost: (path: string, body: unknown) => send('POST', `/app${path}`, body, 'none'),
    /** Event types of a call, in order. */
    eventTypes: (callId: string) =>
      (opened.sqlite.prepare('select type from events where call_id = ? order by id').all(callId) as { type: string }[]).map((r) => r.type),
    /** The code the console sender last delivered (what the caller reads off their phone). */
    lastCode: () => outbox.list()[0]?.code,
    close: () => opened.close(),
  };
  return t;
}

export type TestApp = Awaited<ReturnType<typeof makeTestApp>>;

export const ADA = {
  customer_id: 'cust_ada',
  display_name: 'Ada Lovelace',
  phones: ['+1 (415) 555-0142'],
  email: 'ada@example.com',
  account_refs: ['AC-1001-2002'],
  kba: [
    { id: 'q_zip', level: 'basic', question: 'What is the ZIP code on your statement?', answer: '94107' },
    { id: 'q_deposit', level: 'advanced', question: 'What was the amount of your last deposit?', answer: "Two hundred & fifty, Dollars!" },
  ],
  totp: true,
};

/** Enrols Ada with a checking and a savings account; returns the otpauth URI. */
export async function enrolAda(t: Pick<TestApp, 'admin' | 'ledger'>): Promise<string> {
  const res = await t.admin('POST', '/customers', ADA);
  if (res.status !== 201) throw new Error(`enrol failed: ${JSON.stringify(res.body)}`);
  await t.ledger.seedAccounts('cust_ada', [
    { ref: 'CHK-1001', kind: 'checking', balanceCents: 500_000 },
    { ref: 'SAV-2002', kind: 'savings', balanceCents: 1_000_000 },
    { ref: 'CRD-3003', kind: 'card', balanceCents: 0, cardLimitCents: 200_000 },
  ]);
  return res.body.totp_uri as string;
}

export const ADA_PHONE = '+14155550142';

/**
 * Starts a call the way ElevenLabs does, with Ada's caller ID unless told otherwise. Caller ID
 * claims nobody, so on Ada's number the caller then says her account number (`identify`), as the
 * agent asks; `{identify: false}` leaves the call unclaimed. Returns the initiation answer.
 */
export async function ring(t: Pick<TestApp, 'initiation' | 'tool'>, call_sid: string, caller_id = ADA_PHONE, opts: { identify?: boolean } = {}) {
  const answer = await t.initiation({ call_sid, caller_id, agent_id: 'agent_1', called_number: '+18005550100' });
  if (opts.identify ?? caller_id === ADA_PHONE) {
    const id = await t.tool(call_sid, 'identify', { account_ref: 'AC-1001-2002' });
    if (!id.body.success) throw new Error(`identify: ${JSON.stringify(id.body)}`);
  }
  return answer;
}

/** identify → otp_send → otp_verify with the delivered code. */
export async function passOtp(t: TestApp, callId: string) {
  await t.tool(callId, 'identify', { account_ref: 'ac 1001 2002' });
  const sent = await t.tool(callId, 'otp_send', { channel: 'sms' });
  if (!sent.body.success) throw new Error(`otp_send: ${JSON.stringify(sent.body)}`);
  return t.tool(callId, 'otp_verify', { code: t.lastCode() });
}

/** Ada answers her advanced KBA question (a second factor after OTP). */
export async function passKba(t: TestApp, callId: string) {
  await t.tool(callId, 'kba_question', { level: 'advanced' });
  return t.tool(callId, 'kba_verify', { question_id: 'q_deposit', answer: 'two hundred fifty dollars' });
}

/** A phone-app device: a real P-256 key pair, enrolled through the admin API. */
export async function enrolDevice(t: TestApp, customerId: string, deviceId: string) {
  const { publicJwk, privateJwk } = await generateDeviceKeyPair();
  const res = await t.admin('POST', `/customers/${customerId}/devices`, { device_id: deviceId, public_key_jwk: publicJwk });
  if (res.status !== 201) throw new Error(`device enrol failed: ${JSON.stringify(res.body)}`);
  const privateKey = await importDevicePrivateKey(privateJwk);
  return {
    deviceId,
    /** POST /app/challenge for a DID. */
    challenge: (did: string) => t.appPost('/challenge', { device_id: deviceId, did }),
    sign: (c: { session_id: string; call_binding: string; nonce: string }, did: string) =>
      signAsDevice(privateKey, confirmMessage({ sessionId: c.session_id, callBinding: c.call_binding, did, nonce: c.nonce })),
    /** challenge → sign → confirm, as the app does. */
    async confirm(did: string) {
      const ch = await this.challenge(did);
      if (ch.status !== 200) return ch;
      const signature = await this.sign(ch.body as never, did);
      return t.appPost('/confirm', { session_id: ch.body.session_id, device_id: deviceId, nonce: ch.body.nonce, signature });
    },
  };
}
