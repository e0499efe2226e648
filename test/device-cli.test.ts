// The companion-app simulator (src/cli/device/) against a real server over a real socket: enrol,
// and confirm DIDs issued by POST /ivr/sessions and by the orchestrator's did_issue. A small contract
// fake of the phone-app routes (docs/api.md) also pins what the simulator sends (the exact signed
// string) and how it reports each refusal.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmDid, enrolDevice, listDevices, main, normalizeDid, type DeviceFile } from '../src/cli/device/index.js';
import { toBase64Url } from '../src/crypto/bytes.js';
import { confirmMessage, importDevicePublicKey, verifyDeviceSignature, type DevicePublicJwk } from '../src/crypto/device-signature.js';
import { silentLogger } from '../src/kernel/ports.js';
import { startServer, type RunningServer } from '../src/runtime/node/server.js';

const dir = mkdtempSync(join(tmpdir(), 'callgate-device-'));
const serverEnv = { CALLGATE_DB: join(dir, 'callgate.sqlite'), PORT: '0', HOST: '127.0.0.1', CALLGATE_POLICY_DIR: 'policies' };
const deviceDir = join(dir, 'devices');

let server: RunningServer;
/** A local URL where nothing listens (connection refused). */
let deadUrl = '';
/** What a person's shell has: the server's URL and database path, no secrets (they come from dev-secrets.json). */
let cliEnv: Record<string, string>;

async function call(method: string, path: string, token: string | undefined, body?: unknown) {
  const res = await fetch(server.url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
const admin = (method: string, path: string, body?: unknown) => call(method, `/admin${path}`, server.config.secrets.admin, body);

function capture(env: Record<string, string | undefined>) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env }, out, err };
}

const modeOf = (path: string) => statSync(path).mode & 0o777;
const keyFile = (deviceId: string) => join(deviceDir, `${deviceId}.json`);
const readKeyFile = (deviceId: string) => JSON.parse(readFileSync(keyFile(deviceId), 'utf8')) as DeviceFile;

beforeAll(async () => {
  server = await startServer({ env: serverEnv, print: () => {}, logger: silentLogger });
  cliEnv = { CALLGATE_DB: serverEnv.CALLGATE_DB, CALLGATE_URL: server.url };
  const probe = createServer();
  await new Promise<void>((ready) => probe.listen(0, '127.0.0.1', ready));
  deadUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((done) => probe.close(() => done()));
  for (const [customer_id, ref, phone] of [
    ['cust_dev', 'DEV-0001', '+14155550191'],
    ['cust_other', 'DEV-0002', '+14155550192'],
  ] as const) {
    const res = await admin('POST', '/customers', { customer_id, phones: [phone], account_refs: [ref] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('enrol', () => {
  it('makes a 0600 key file and the server accepts the public key (201); again is 200 with the same key', async () => {
    const r = await enrolDevice({ env: cliEnv, customerId: 'cust_dev', deviceId: 'phone-a' });
    expect(r).toMatchObject({ ok: true, exitCode: 0, status: 201, deviceId: 'phone-a', customerId: 'cust_dev', reusedKey: false });
    if (!r.ok) return;
    expect(r.file).toBe(keyFile('phone-a'));
    expect(modeOf(r.file)).toBe(0o600);
    expect(modeOf(deviceDir)).toBe(0o700);
    const stored = readKeyFile('phone-a');
    expect(stored).toMatchObject({ device_id: 'phone-a', customer_id: 'cust_dev', public_key_jwk: r.publicJwk, server_url: server.url });
    expect(stored.enrolled_at).toEqual(expect.any(String));
    expect(Object.keys(r.publicJwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(stored.private_key_jwk.d).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Same device again: the key file is reused and the server answers "unchanged" (200).
    const again = await enrolDevice({ env: cliEnv, customerId: 'cust_dev', deviceId: 'phone-a' });
    expect(again).toMatchObject({ ok: true, status: 200, reusedKey: true, publicJwk: r.publicJwk });
  });

  it('names a fresh device id when none is given', async () => {
    const r = await enrolDevice({ env: cliEnv, customerId: 'cust_dev' });
    expect(r).toMatchObject({ ok: true, status: 201 });
    if (r.ok) expect(r.deviceId).toMatch(/^phone-[0-9a-f]{32}$/);
  });

  it('refuses, and leaves no key file, for an unknown customer', async () => {
    const r = await enrolDevice({ env: cliEnv, customerId: 'cust_nobody', deviceId: 'phone-x' });
    expect(r).toMatchObject({ ok: false, exitCode: 1, status: 404, reason: 'unknown_customer' });
    if (!r.ok) expect(r.message).toContain('no customer "cust_nobody"');
    expect(existsSync(keyFile('phone-x'))).toBe(false);
  });

  it('refuses a wrong admin token with a hint, and leaves no key file', async () => {
    const r = await enrolDevice({ env: cliEnv, customerId: 'cust_dev', deviceId: 'phone-y', adminToken: 'not-the-token' });
    expect(r).toMatchObject({ ok: false, exitCode: 1, status: 401, reason: 'unauthorized' });
    if (!r.ok) expect(r.message).toContain('--admin-token');
    expect(existsSync(keyFile('phone-y'))).toBe(false);
  });

  it('keeps the key when the server is unreachable, so the same --device enrols it later', async () => {
    const down = await enrolDevice({ env: cliEnv, url: deadUrl, customerId: 'cust_dev', deviceId: 'phone-later' });
    expect(down).toMatchObject({ ok: false, exitCode: 1, reason: 'unreachable' });
    if (!down.ok) expect(down.message).toContain(`cannot reach callgate at ${deadUrl} (connection refused)`);
    expect(readKeyFile('phone-later').enrolled_at).toBeNull();
    const listed = listDevices({ env: cliEnv }).devices.find((d) => d.device_id === 'phone-later');
    expect(listed).toMatchObject({ enrolled_at: null });

    const first = readKeyFile('phone-later').public_key_jwk;
    const up = await enrolDevice({ env: cliEnv, customerId: 'cust_dev', deviceId: 'phone-later' });
    expect(up).toMatchObject({ ok: true, status: 201, reusedKey: true, publicJwk: first });
  });

  it('refuses to move a local device to another customer, and the server refuses a clashing id', async () => {
    const local = await enrolDevice({ env: cliEnv, customerId: 'cust_other', deviceId: 'phone-a' });
    expect(local).toMatchObject({ ok: false, exitCode: 2, reason: 'device_taken_locally' });

    // Another machine (another key folder) claiming the same device id: the server says 409.
    const elsewhere = await enrolDevice({ env: cliEnv, deviceDir: join(dir, 'other-phone'), customerId: 'cust_other', deviceId: 'phone-a' });
    expect(elsewhere).toMatchObject({ ok: false, exitCode: 1, status: 409, reason: 'device_exists' });
    expect(existsSync(join(dir, 'other-phone', 'phone-a.json'))).toBe(false);
  });

  it('explains a missing admin token', async () => {
    const r = await enrolDevice({ env: { CALLGATE_DB: join(dir, 'nowhere', 'db.sqlite'), CALLGATE_URL: server.url }, customerId: 'cust_dev' });
    expect(r).toMatchObject({ ok: false, exitCode: 2, reason: 'no_admin_token' });
  });
});

describe('command line', () => {
  it('enrol and list print what happened; exit 0', async () => {
    const c = capture(cliEnv);
    expect(await main(['enrol', '--customer', 'cust_other', '--device', 'phone-cli'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/enrolled: device phone-cli for customer cust_other \(201\)/);
    expect(modeOf(keyFile('phone-cli'))).toBe(0o600);

    const l = capture(cliEnv);
    expect(await main(['list'], l.io)).toBe(0);
    expect(l.out.join('\n')).toMatch(/phone-cli {2}customer cust_other {2}enrolled/);
    expect(l.out.join('\n')).toMatch(/phone-later {2}customer cust_dev/);

    const j = capture(cliEnv);
    expect(await main(['list', '--json'], j.io)).toBe(0);
    const listed = JSON.parse(j.out.join('\n')) as { devices: { device_id: string }[] };
    expect(listed.devices.map((d) => d.device_id)).toContain('phone-cli');
    expect(j.out.join('\n')).not.toContain('"d"'); // never prints a private key
  });

  it('refusals exit 1 with a one-line reason', async () => {
    const c = capture(cliEnv);
    expect(await main(['enrol', '--customer', 'cust_nobody'], c.io)).toBe(1);
    expect(c.err.join('\n')).toMatch(/^error: .*refused \(404 unknown_customer\)/);
    const down = capture({ ...cliEnv, CALLGATE_URL: deadUrl });
    expect(await main(['confirm', '--device', 'phone-a', '--did', '123456'], down.io)).toBe(1);
    expect(down.err.join('\n')).toContain('cannot reach callgate');
  });

  it('usage errors exit 2', async () => {
    const cases: string[][] = [
      [],
      ['frobnicate'],
      ['enrol'],
      ['enrol', '--customer'],
      ['enrol', '--customer', 'bad id!'],
      ['enrol', '--customer', 'cust_dev', '--did', '123456'],
      ['enrol', '--customer', 'cust_dev', '--device', '../escape'],
      ['confirm', '--device', 'phone-a'],
      ['confirm', '--device', 'phone-a', '--did', '12345'],
      ['confirm', '--device', 'phone-a', '--did', 'abcdef'],
      ['confirm', '--device', 'no-such-phone', '--did', '123456'],
      ['confirm', '--device', 'phone-a', '--did', '123456', '--url', 'ftp://x'],
      ['list', '--bogus'],
      ['list', 'extra'],
    ];
    for (const argv of cases) {
      const c = capture(cliEnv);
      expect(await main(argv, c.io), argv.join(' ')).toBe(2);
      expect(c.err.join('\n'), argv.join(' ')).not.toBe('');
    }
    const h = capture(cliEnv);
    expect(await main(['--help'], h.io)).toBe(0);
    expect(h.out.join('\n')).toContain('usage: npm run device');
  });

  it('normalises a typed DID', () => {
    expect(normalizeDid('482 916')).toBe('482916');
    expect(normalizeDid('482-916')).toBe('482916');
    expect(normalizeDid('4829160')).toBeNull();
    expect(normalizeDid('48291٦')).toBeNull(); // Arabic-Indic digit
  });
});

// ── confirm against a contract fake of /app/challenge and /app/confirm ──────────────────────────

interface FakeSession {
  id: string;
  did: string;
  callBinding: string;
  customerId: string | null;
  status: 'pending' | 'confirmed';
  nonces: Map<string, { deviceId: string; used: boolean }>;
}

function contractFake() {
  const devices = new Map<string, { customerId: string; jwk: DevicePublicJwk }>();
  const sessions = new Map<string, FakeSession>();
  const signed: string[] = [];
  const random = () => toBase64Url(crypto.getRandomValues(new Uint8Array(12)));
  const app = new Hono()
    .post('/app/challenge', async (c) => {
      const { device_id, did } = (await c.req.json()) as { device_id: string; did: string };
      if (!devices.has(device_id)) return c.json({ success: false, reason: 'unknown_device' }, 401);
      const s = [...sessions.values()].find((x) => x.did === did && x.status === 'pending');
      if (!s) return c.json({ success: false, reason: 'wrong_did' }, 404);
      const nonce = random();
      s.nonces.set(nonce, { deviceId: device_id, used: false });
      return c.json({ session_id: s.id, call_binding: s.callBinding, nonce, expires_at: new Date(Date.now() + 60_000).toISOString() });
    })
    .post('/app/confirm', async (c) => {
      const b = (await c.req.json()) as { session_id: string; device_id: string; nonce: string; signature: string };
      const s = sessions.get(b.session_id);
      if (!s || s.status !== 'pending') return c.json({ success: false, reason: 'session_not_pending' }, 409);
      const n = s.nonces.get(b.nonce);
      if (!n || n.used || n.deviceId !== b.device_id) return c.json({ success: false, reason: 'nonce_reused' }, 409);
      const device = devices.get(b.device_id)!;
      const key = await importDevicePublicKey(device.jwk);
      // Built from the stored values, never the client's copies.
      const message = confirmMessage({ sessionId: s.id, callBinding: s.callBinding, did: s.did, nonce: b.nonce });
      if (!key || !(await verifyDeviceSignature(key, message, b.signature))) return c.json({ success: false, reason: 'bad_signature' }, 401);
      if (s.customerId !== null && s.customerId !== device.customerId) return c.json({ success: false, reason: 'device_not_enrolled' }, 401);
      n.used = true;
      s.status = 'confirmed';
      signed.push(message);
      return c.json({ status: 'confirmed' });
    });
  let socket: ServerType;
  return {
    devices,
    sessions,
    signed,
    open(did: string, customerId: string | null = null): FakeSession {
      const s: FakeSession = { id: `csn_${random()}`, did, callBinding: `cb_${random()}`, customerId, status: 'pending', nonces: new Map() };
      sessions.set(s.id, s);
      return s;
    },
    async start(): Promise<string> {
      socket = await new Promise((ready) => {
        const srv = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready(srv));
      });
      return `http://127.0.0.1:${(socket.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((done) => socket.close(() => done())),
  };
}

describe('confirm (against a contract fake of the phone-app routes)', () => {
  const fake = contractFake();
  let url = '';
  beforeAll(async () => {
    url = await fake.start();
    // The fake knows the keys the real server enrolled above.
    fake.devices.set('phone-a', { customerId: 'cust_dev', jwk: readKeyFile('phone-a').public_key_jwk });
    fake.devices.set('phone-cli', { customerId: 'cust_other', jwk: readKeyFile('phone-cli').public_key_jwk });
  });
  afterAll(() => fake.close());

  it('challenge → sign the canonical message → confirm; reports the round trip', async () => {
    const s = fake.open('482916');
    const r = await confirmDid({ env: cliEnv, url, deviceId: 'phone-a', did: '482 916' });
    expect(r).toMatchObject({ ok: true, exitCode: 0, status: 'confirmed', sessionId: s.id, deviceId: 'phone-a', customerId: 'cust_dev' });
    if (r.ok) {
      expect(r.roundTripMs).toBeGreaterThanOrEqual(0);
      expect(r.roundTripMs).toBeGreaterThanOrEqual(r.confirmMs);
    }
    expect(s.status).toBe('confirmed');
    const nonce = [...s.nonces.keys()][0];
    expect(fake.signed.at(-1)).toBe(`callgate-did-confirm:v1\n${s.id}\n${s.callBinding}\n482916\n${nonce}`);
  });

  it('a DID no call is showing: 404 wrong_did, exit 1', async () => {
    const c = capture({ ...cliEnv, CALLGATE_URL: url });
    expect(await main(['confirm', '--device', 'phone-a', '--did', '000000'], c.io)).toBe(1);
    expect(c.err.join('\n')).toMatch(/refused \(404 wrong_did\).*no call is waiting on DID 000000/);
  });

  it('a device of another customer cannot confirm a claimed call (401), and the session stays pending', async () => {
    const s = fake.open('111222', 'cust_dev');
    const r = await confirmDid({ env: cliEnv, url, deviceId: 'phone-cli', did: '111222' });
    expect(r).toMatchObject({ ok: false, exitCode: 1, status: 401, reason: 'device_not_enrolled' });
    expect(s.status).toBe('pending');
  });

  it('a key file whose key is not the enrolled one: 401 bad_signature', async () => {
    const s = fake.open('333444');
    const stolen = readKeyFile('phone-later');
    writeFileSync(join(dir, 'impostor.json'), JSON.stringify({ ...stolen, device_id: 'phone-a' }), { mode: 0o600 });
    const r = await confirmDid({ env: { CALLGATE_DEVICE_DIR: dir }, url, deviceId: 'impostor', did: '333444' });
    // The file claims phone-a but is named impostor: refused locally before any request.
    expect(r).toMatchObject({ ok: false, exitCode: 2, reason: 'bad_key_file' });
    writeFileSync(join(dir, 'phone-a.json'), JSON.stringify({ ...stolen, device_id: 'phone-a', customer_id: 'cust_dev' }), { mode: 0o600 });
    const forged = await confirmDid({ env: { CALLGATE_DEVICE_DIR: dir }, url, deviceId: 'phone-a', did: '333444' });
    expect(forged).toMatchObject({ ok: false, exitCode: 1, status: 401, reason: 'bad_signature' });
    expect(s.status).toBe('pending');
  });

  it('prints the outcome and the time in ms', async () => {
    fake.open('555666');
    const c = capture({ ...cliEnv, CALLGATE_URL: url });
    expect(await main(['confirm', '--device', 'phone-a', '--did', '555666'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/^confirmed: session csn_\S+ by device phone-a \(customer cust_dev\)\n {2}round trip \d+ ms \(challenge \d+ ms, confirm \d+ ms\)$/);
  });
});

// ── confirm against the real server ──────────────────────────────────────────────────────────────
// The same simulator against the server's own /ivr/sessions, /app/challenge and /app/confirm.

describe('confirm (against the real server)', () => {
  const ivr = (method: string, path: string, body?: unknown) => call(method, path, server.config.secrets.ivr, body);
  const tool = (body: Record<string, unknown>) => call('POST', '/tools/auth_orchestrator', server.config.secrets.tool, body);

  it('confirms a DID issued by POST /ivr/sessions; the session becomes confirmed and stays so', async () => {
    const created = await ivr('POST', '/ivr/sessions', { provider: 'generic', callId: 'call-device-1' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      sessionId: expect.any(String),
      did: expect.stringMatching(/^\d{6}$/),
      ttlSeconds: expect.any(Number),
      maxRetries: expect.any(Number),
      expiresAt: expect.any(String),
      status: 'pending',
      prompts: { speak: expect.any(String), loop: expect.any(String) },
    });
    const { sessionId, did } = created.body as { sessionId: string; did: string };

    const wrong = await confirmDid({ env: cliEnv, deviceId: 'phone-a', did: did === '000000' ? '000001' : '000000' });
    expect(wrong).toMatchObject({ ok: false, exitCode: 1, status: 404, reason: 'wrong_did' });

    const r = await confirmDid({ env: cliEnv, deviceId: 'phone-a', did });
    expect(r).toMatchObject({ ok: true, status: 'confirmed', deviceId: 'phone-a', customerId: 'cust_dev' });
    expect((await ivr('GET', `/ivr/sessions/${sessionId}`)).body.status).toBe('confirmed');

    // Terminal: a second confirmation for the same DID changes nothing. The DID is single-use, so
    // the challenge no longer finds it (404 wrong_did) rather than reaching /app/confirm (409).
    const again = await confirmDid({ env: cliEnv, deviceId: 'phone-a', did });
    expect(again.ok).toBe(false);
    if (!again.ok) expect([404, 409]).toContain(again.status);
    expect((await ivr('GET', `/ivr/sessions/${sessionId}`)).body.status).toBe('confirmed');
    // Cancelling a confirmed session leaves it confirmed.
    const canceled = await ivr('POST', `/ivr/sessions/${sessionId}/cancel`);
    expect(canceled).toMatchObject({ status: 200, body: { sessionId, status: 'confirmed' } });
  });

  it('a ?wait= long-poll answers as soon as the app confirms', async () => {
    const created = await ivr('POST', '/ivr/sessions', { provider: 'genesys', callId: 'conv-device-3' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { sessionId, did } = created.body as { sessionId: string; did: string };
    const started = performance.now();
    const waiting = ivr('GET', `/ivr/sessions/${sessionId}?wait=15`).then((r) => ({ ...r, at: performance.now() }));
    // The long-poll is held on the server before the phone confirms.
    for (let i = 0; i < 200 && server.services.waker.waiting() === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(server.services.waker.waiting()).toBeGreaterThan(0);
    const r = await confirmDid({ env: cliEnv, deviceId: 'phone-later', did });
    expect(r).toMatchObject({ ok: true, status: 'confirmed', sessionId, customerId: 'cust_dev' });
    const confirmedAt = performance.now();
    const waited = await waiting;
    expect(waited.body).toMatchObject({ sessionId, status: 'confirmed' });
    expect(waited.body.did).toBeUndefined(); // the DID is only shown while pending
    // Woken by the confirmation, well before its own 15 s wait ran out (speed itself is the bench's job).
    expect(waited.at - confirmedAt).toBeLessThan(5_000);
    expect(waited.at - started).toBeLessThan(5_000);
  });

  it('on a call claimed by a customer, only that customer’s device confirms (did_issue → app)', async () => {
    const base = { call_id: 'CAdevice2', conversation_id: 'conv_device2' };
    await call('POST', '/elevenlabs/initiation', server.config.secrets.tool, {
      call_sid: base.call_id,
      caller_id: '+14155550191',
      agent_id: 'agent_1',
      called_number: '+18005550100',
    });
    expect((await tool({ ...base, action: 'identify', account_ref: 'DEV-0001' })).body.success).toBe(true);
    const issued = await tool({ ...base, action: 'did_issue' });
    expect(issued.body, JSON.stringify(issued.body)).toMatchObject({ success: true, did: expect.stringMatching(/^\d{6}$/) });
    const did = issued.body.did as string;

    // phone-cli belongs to cust_other: refused (401 device_not_allowed), nothing changes.
    const other = await confirmDid({ env: cliEnv, deviceId: 'phone-cli', did });
    expect(other).toMatchObject({ ok: false, exitCode: 1, status: 401, reason: 'device_not_allowed' });
    expect((await tool({ ...base, action: 'status' })).body.auth_state.status).toBe('pending');

    const mine = await confirmDid({ env: cliEnv, deviceId: 'phone-a', did });
    expect(mine).toMatchObject({ ok: true, status: 'confirmed' });
    const waited = await tool({ ...base, action: 'did_wait', wait_seconds: 1 });
    expect(waited.body).toMatchObject({ success: true, privileged_allowed: true, auth_state: { status: 'authenticated' } });
  });
});
