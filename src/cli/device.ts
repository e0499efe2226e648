// `npm run device -- <command>`: a companion-app simulator, so a person can walk the Dynamic
// Identifier flow (docs/api.md) by hand against a running `npm start`. It does what the phone app
// does: holds a device-bound P-256 key (here a 0600 JSON file instead of a secure enclave), gets the
// public half enrolled for a customer, and confirms the 6-digit DID the IVR speaks by signing
//   callgate-did-confirm:v1\n{session_id}\n{call_binding}\n{did}\n{nonce}
//
//   npm run device -- enrol --customer cust_ada [--device phone-1]
//   npm run device -- confirm --device phone-1 --did 482916
//   npm run device -- list
//
// The core is exported (enrolDevice, confirmDid, listDevices) for the demo and the tests; main()
// only parses arguments and prints. Node only.
import { runIfMain } from './run-main.js';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEV_SECRETS_FILE, devSecretsDir } from '../runtime/dev-secrets.js';
import { toHex } from '../crypto/bytes.js';
import {
  confirmMessage,
  generateDeviceKeyPair,
  importDevicePrivateKey,
  parseDevicePublicJwk,
  signAsDevice,
  type DevicePrivateJwk,
  type DevicePublicJwk,
} from '../crypto/device-signature.js';

export const DEFAULT_URL = 'http://127.0.0.1:8787';
export const DEFAULT_TIMEOUT_MS = 10_000;

type Env = Record<string, string | undefined>;

export interface ClientOptions {
  /** Base URL of callgate; else $CALLGATE_URL, else http://127.0.0.1:8787. */
  url?: string;
  /** Where CALLGATE_URL, CALLGATE_DB, CALLGATE_DEVICE_DIR, CALLGATE_ADMIN_TOKEN are read (default process.env). */
  env?: Env;
  /** Key files folder; else $CALLGATE_DEVICE_DIR, else <dir of CALLGATE_DB>/devices. */
  deviceDir?: string;
  fetch?: typeof fetch;
  /** Per request. */
  timeoutMs?: number;
}

export interface EnrolOptions extends ClientOptions {
  customerId: string;
  /** Default: a fresh `phone-<32 hex>`. An existing key file for this id is reused. */
  deviceId?: string;
  /** Else $CALLGATE_ADMIN_TOKEN, else the dev secrets file next to CALLGATE_DB. */
  adminToken?: string;
}

export interface ConfirmOptions extends ClientOptions {
  deviceId: string;
  /** The 6 digits the IVR spoke; spaces and dashes are ignored ("482 916"). */
  did: string;
}

/** What a key file holds. The private JWK never leaves it. */
export interface DeviceFile {
  version: 1;
  device_id: string;
  customer_id: string;
  public_key_jwk: DevicePublicJwk;
  private_key_jwk: DevicePrivateJwk;
  created_at: string;
  /** When the server accepted the public key; null while it has not (server unreachable at enrolment). */
  enrolled_at: string | null;
  /** The server it was enrolled with (informational). */
  server_url: string;
}

/**
 * A refusal or an error, structured. `reason` is the server's snake_case reason when it gave one,
 * else one of ours: usage, no_admin_token, unknown_device, bad_key_file, unreachable, bad_response.
 * Exit code 2 is a usage/set-up problem, 1 anything the server (or the network) refused.
 */
export interface Failure {
  ok: false;
  exitCode: 1 | 2;
  reason: string;
  message: string;
  /** HTTP status when the server answered. */
  status?: number;
  body?: unknown;
}

export type EnrolResult =
  | {
      ok: true;
      exitCode: 0;
      /** 201 newly enrolled, 200 the server already had exactly this key for this customer. */
      status: 200 | 201;
      deviceId: string;
      customerId: string;
      file: string;
      publicJwk: DevicePublicJwk;
      /** True when an existing key file was reused rather than a new key generated. */
      reusedKey: boolean;
    }
  | Failure;

export type ConfirmResult =
  | {
      ok: true;
      exitCode: 0;
      status: 'confirmed';
      sessionId: string;
      deviceId: string;
      customerId: string;
      /** From sending the challenge request to receiving the confirm answer (signing included). */
      roundTripMs: number;
      challengeMs: number;
      confirmMs: number;
      body: unknown;
    }
  | Failure;

export interface ListedDevice {
  file: string;
  device_id?: string;
  customer_id?: string;
  created_at?: string;
  enrolled_at?: string | null;
  server_url?: string;
  /** Set when the file cannot be used or is readable by others. */
  problem?: string;
}

// ── settings ───────────────────────────────────────────────────────────────────────────────────

/** Server-side ids are 1–64 of [A-Za-z0-9._-]; locally we also refuse a leading dot (hidden files). */
const ID_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

const envOf = (o: ClientOptions): Env => o.env ?? process.env;
const nonEmpty = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);

function usage(message: string, reason = 'usage'): Failure {
  return { ok: false, exitCode: 2, reason, message };
}

/** The server's data folder: its dev secrets file, and the default home of device keys. */
const dataDir = (env: Env): string => devSecretsDir(env);

export function resolveDeviceDir(o: ClientOptions): string {
  const env = envOf(o);
  return resolve(o.deviceDir ?? nonEmpty(env.CALLGATE_DEVICE_DIR) ?? join(dataDir(env), 'devices'));
}

/** The base URL without a trailing slash, or a usage failure. */
export function resolveUrl(o: ClientOptions): string | Failure {
  const raw = nonEmpty(o.url) ?? nonEmpty(envOf(o).CALLGATE_URL) ?? DEFAULT_URL;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return usage(`--url: not a URL: ${JSON.stringify(raw)}`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash || u.username || u.password)
    return usage(`--url: must be an http(s) base URL without credentials, query or fragment, got ${JSON.stringify(raw)}`);
  return raw.replace(/\/+$/, '');
}

/** --admin-token, else $CALLGATE_ADMIN_TOKEN, else <dir of CALLGATE_DB>/dev-secrets.json. */
export function resolveAdminToken(o: { adminToken?: string } & ClientOptions): { token: string; source: string } | Failure {
  const flag = nonEmpty(o.adminToken);
  if (flag) return { token: flag, source: '--admin-token' };
  const env = envOf(o);
  const fromEnv = nonEmpty(env.CALLGATE_ADMIN_TOKEN);
  if (fromEnv) return { token: fromEnv, source: 'CALLGATE_ADMIN_TOKEN' };
  const file = join(dataDir(env), DEV_SECRETS_FILE);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // fall through to the hint below
  }
  if (text !== undefined) {
    try {
      const token = (JSON.parse(text) as Record<string, unknown>).CALLGATE_ADMIN_TOKEN;
      if (typeof token === 'string' && token.trim() !== '') return { token: token.trim(), source: file };
    } catch {
      return usage(`${file}: not valid JSON; pass --admin-token or set CALLGATE_ADMIN_TOKEN`, 'no_admin_token');
    }
  }
  return usage(
    `no admin token: pass --admin-token, set CALLGATE_ADMIN_TOKEN, or start the server once (npm start) so that it writes ${file}`,
    'no_admin_token',
  );
}

// ── key files ──────────────────────────────────────────────────────────────────────────────────

const deviceFilePath = (dir: string, deviceId: string) => join(dir, `${deviceId}.json`);

function readDeviceFile(file: string): DeviceFile {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<DeviceFile> | null;
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof parsed.device_id !== 'string' ||
    typeof parsed.customer_id !== 'string' ||
    !parseDevicePublicJwk(parsed.public_key_jwk) ||
    typeof parsed.private_key_jwk !== 'object' ||
    parsed.private_key_jwk === null
  )
    throw new Error('not a callgate device key file');
  return parsed as DeviceFile;
}

function writeDeviceFile(file: string, data: DeviceFile, exclusive: boolean): boolean {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const text = `${JSON.stringify(data, null, 2)}\n`;
  if (exclusive) {
    try {
      writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  } else {
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, file);
  }
  if (process.platform !== 'win32') chmodSync(file, 0o600); // whatever the umask did
  return true;
}

type Loaded = { ok: true; file: string; data: DeviceFile; key: CryptoKey } | Failure;

async function loadDevice(dir: string, deviceId: string): Promise<Loaded> {
  const file = deviceFilePath(dir, deviceId);
  let data: DeviceFile;
  try {
    data = readDeviceFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return usage(`no device "${deviceId}" in ${dir}; enrol one with: npm run device -- enrol --customer <id> --device ${deviceId}`, 'unknown_device');
    return usage(`${file}: ${(err as Error).message}`, 'bad_key_file');
  }
  if (data.device_id !== deviceId) return usage(`${file}: holds device "${data.device_id}", not "${deviceId}"`, 'bad_key_file');
  try {
    return { ok: true, file, data, key: await importDevicePrivateKey(data.private_key_jwk) };
  } catch {
    return usage(`${file}: the private key is not a P-256 JWK`, 'bad_key_file');
  }
}

// ── HTTP ───────────────────────────────────────────────────────────────────────────────────────

type Answer = { ok: true; status: number; body: Record<string, unknown> } | Failure;

async function post(o: ClientOptions, base: string, path: string, body: unknown, bearer?: string): Promise<Answer> {
  const fetchFn = o.fetch ?? fetch;
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let res: Response;
  try {
    res = await fetchFn(`${base}${path}`, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        'user-agent': 'callgate-device-simulator',
        ...(bearer !== undefined ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { ok: false, exitCode: 1, reason: 'unreachable', message: unreachableMessage(base, err, timeoutMs) };
  }
  const text = await res.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return {
      ok: false,
      exitCode: 1,
      reason: 'bad_response',
      status: res.status,
      body: text.slice(0, 200),
      message: `POST ${base}${path} answered ${res.status} with a non-JSON body: is ${base} a callgate server?`,
    };
  return { ok: true, status: res.status, body: parsed as Record<string, unknown> };
}

function unreachableMessage(base: string, err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer from ${base} within ${timeoutMs / 1000} s`;
  // undici wraps the socket error in `cause`; "localhost" (two addresses) wraps an AggregateError.
  const code = e?.cause?.code ?? e?.cause?.errors?.find((x) => x?.code)?.code;
  const why =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'host not found'
        : (code ?? e?.cause?.message ?? e?.message ?? 'network error');
  return `cannot reach callgate at ${base} (${why}): is it running (npm start)? Use --url or CALLGATE_URL to point elsewhere`;
}

const reasonOf = (body: Record<string, unknown>) => (typeof body.reason === 'string' ? body.reason : undefined);

function fieldErrors(body: Record<string, unknown>): string {
  const errors = Array.isArray(body.errors) ? (body.errors as { field?: unknown; message?: unknown }[]) : [];
  return errors.map((e) => `${String(e.field)}: ${String(e.message)}`).join('; ');
}

/** A non-success answer, explained. */
function refusal(what: string, status: number, body: Record<string, unknown>, hint: (reason: string | undefined) => string | undefined): Failure {
  const reason = reasonOf(body);
  const detail = status === 400 ? fieldErrors(body) : '';
  const explained = hint(reason) ?? (status >= 500 ? 'the server failed; see its log' : undefined);
  const message = `${what}: refused (${status}${reason ? ` ${reason}` : ''})${detail ? `: ${detail}` : ''}${explained ? ` — ${explained}` : ''}`;
  return { ok: false, exitCode: 1, reason: reason ?? `http_${status}`, status, body, message };
}

const missingRoute = (base: string, path: string) =>
  `the server at ${base} has no POST ${path} route (an older callgate, or not callgate at all)`;

// ── enrol ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Makes (or reuses) the device key file and enrols its public key for the customer with
 * `POST /admin/customers/{id}/devices`. A key file made by this call is deleted again when the
 * server refuses it; when the server cannot be reached it is kept, so the same --device retries.
 */
export async function enrolDevice(o: EnrolOptions): Promise<EnrolResult> {
  if (typeof o.customerId !== 'string' || !ID_RE.test(o.customerId))
    return usage(`--customer: must be 1–64 letters, digits, . _ - (got ${JSON.stringify(o.customerId ?? '')})`);
  if (o.deviceId !== undefined && !ID_RE.test(o.deviceId))
    return usage(`--device: must be 1–64 letters, digits, . _ - not starting with a dot (got ${JSON.stringify(o.deviceId)})`);
  const base = resolveUrl(o);
  if (typeof base !== 'string') return base;
  const admin = resolveAdminToken(o);
  if ('ok' in admin) return admin;
  const dir = resolveDeviceDir(o);

  // The key file: reuse the one this device id already has, else make one.
  let deviceId = o.deviceId ?? newDeviceId();
  let file = deviceFilePath(dir, deviceId);
  let data: DeviceFile | undefined;
  let created = false;
  const existing = o.deviceId === undefined ? undefined : await loadDevice(dir, deviceId);
  if (existing?.ok) {
    if (existing.data.customer_id !== o.customerId)
      return usage(
        `device "${deviceId}" already belongs to customer "${existing.data.customer_id}" (${existing.file}); choose another --device`,
        'device_taken_locally',
      );
    data = existing.data;
  } else if (existing && !existing.ok && existing.reason !== 'unknown_device') {
    return existing;
  }
  if (!data) {
    const { publicJwk, privateJwk } = await generateDeviceKeyPair();
    for (;;) {
      data = {
        version: 1,
        device_id: deviceId,
        customer_id: o.customerId,
        public_key_jwk: publicJwk,
        private_key_jwk: privateJwk,
        created_at: new Date().toISOString(),
        enrolled_at: null,
        server_url: base,
      };
      if (writeDeviceFile(file, data, true)) break;
      // Someone made this file between our look and our write.
      if (o.deviceId !== undefined) return usage(`${file} appeared while enrolling; run the command again`);
      deviceId = newDeviceId();
      file = deviceFilePath(dir, deviceId);
    }
    created = true;
  }

  const path = `/admin/customers/${encodeURIComponent(o.customerId)}/devices`;
  const answer = await post(o, base, path, { device_id: deviceId, public_key_jwk: data.public_key_jwk }, admin.token);
  if (!answer.ok) {
    if (created && answer.reason !== 'unreachable') rmSync(file, { force: true });
    if (answer.reason === 'unreachable')
      answer.message += `\nthe key is kept in ${file}; retry with: npm run device -- enrol --customer ${o.customerId} --device ${deviceId}`;
    return answer;
  }
  if (answer.status !== 201 && answer.status !== 200) {
    if (created) rmSync(file, { force: true });
    return refusal(`enrolling device "${deviceId}" for customer "${o.customerId}"`, answer.status, answer.body, (reason) => {
      if (answer.status === 401)
        return `the admin token (from ${admin.source}) is not the one the server at ${base} uses; pass --admin-token or set CALLGATE_ADMIN_TOKEN`;
      if (reason === 'unknown_customer')
        return `no customer "${o.customerId}" on ${base}; create it first (POST /admin/customers, or npm run seed:demo)`;
      if (reason === 'device_exists')
        return `the server already has device "${deviceId}" with another key or customer; choose another --device`;
      if (answer.status === 404 && reason === 'not_found') return missingRoute(base, path);
      return undefined;
    });
  }
  data = { ...data, enrolled_at: new Date().toISOString(), server_url: base };
  writeDeviceFile(file, data, false);
  return {
    ok: true,
    exitCode: 0,
    status: answer.status,
    deviceId,
    customerId: o.customerId,
    file,
    publicJwk: data.public_key_jwk,
    reusedKey: !created,
  };
}

function newDeviceId(): string {
  // 128 random bits: a device id is not a credential, but knowing one lets a stranger spend its
  // customer's DID budget (docs/security.md), so it must not be guessable.
  return `phone-${toHex(crypto.getRandomValues(new Uint8Array(16)))}`;
}

// ── confirm ────────────────────────────────────────────────────────────────────────────────────

/** Normalises what a person types for a DID ("482 916", "482-916"); null unless 6 digits. */
export function normalizeDid(did: string): string | null {
  if (typeof did !== 'string') return null;
  const digits = did.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}

/**
 * What the app does when the caller types the DID: `POST /app/challenge {device_id, did}`, sign
 * the canonical message with the device key, `POST /app/confirm {session_id, device_id, nonce, signature}`.
 */
export async function confirmDid(o: ConfirmOptions): Promise<ConfirmResult> {
  if (typeof o.deviceId !== 'string' || !ID_RE.test(o.deviceId))
    return usage(`--device: must be 1–64 letters, digits, . _ - (got ${JSON.stringify(o.deviceId ?? '')})`);
  const did = normalizeDid(o.did);
  if (!did) return usage(`--did: must be the 6 digits the call spoke (got ${JSON.stringify(o.did ?? '')})`);
  const base = resolveUrl(o);
  if (typeof base !== 'string') return base;
  const device = await loadDevice(resolveDeviceDir(o), o.deviceId);
  if (!device.ok) return device;
  const deviceId = o.deviceId;

  const started = performance.now();
  const challenge = await post(o, base, '/app/challenge', { device_id: deviceId, did });
  const challengeMs = performance.now() - started;
  if (!challenge.ok) return challenge;
  if (challenge.status !== 200)
    return refusal(`challenge for DID ${did}`, challenge.status, challenge.body, (reason) => {
      if (reason === 'wrong_did') return `no call is waiting on DID ${did} (mistyped, expired or already used)`;
      if (challenge.status === 404 && reason === 'not_found') return missingRoute(base, '/app/challenge');
      return undefined;
    });
  const { session_id, call_binding, nonce } = challenge.body;
  if (typeof session_id !== 'string' || typeof call_binding !== 'string' || typeof nonce !== 'string')
    return {
      ok: false,
      exitCode: 1,
      reason: 'bad_response',
      status: challenge.status,
      body: challenge.body,
      message: 'POST /app/challenge answered 200 without string session_id, call_binding and nonce',
    };
  let message: string;
  try {
    message = confirmMessage({ sessionId: session_id, callBinding: call_binding, did, nonce });
  } catch (err) {
    return { ok: false, exitCode: 1, reason: 'bad_response', status: challenge.status, body: challenge.body, message: `challenge: ${(err as Error).message}` };
  }
  const signature = await signAsDevice(device.key, message);

  const confirmStarted = performance.now();
  const confirm = await post(o, base, '/app/confirm', { session_id, device_id: deviceId, nonce, signature });
  const ended = performance.now();
  if (!confirm.ok) return confirm;
  if (confirm.status !== 200)
    return refusal(`confirming session ${session_id}`, confirm.status, confirm.body, (reason) => {
      if (confirm.status === 404 && reason === 'not_found') return missingRoute(base, '/app/confirm');
      if (confirm.status === 401)
        return `the server did not accept this device's signature for this call (is "${deviceId}" enrolled for the call's customer on ${base}?)`;
      if (confirm.status === 409) return 'the session is no longer pending, or this nonce was already used';
      return undefined;
    });
  if (confirm.body.status !== 'confirmed')
    return {
      ok: false,
      exitCode: 1,
      reason: 'bad_response',
      status: confirm.status,
      body: confirm.body,
      message: `POST /app/confirm answered 200 with status ${JSON.stringify(confirm.body.status)}, not "confirmed"`,
    };
  return {
    ok: true,
    exitCode: 0,
    status: 'confirmed',
    sessionId: session_id,
    deviceId,
    customerId: device.data.customer_id,
    roundTripMs: Math.round(ended - started),
    challengeMs: Math.round(challengeMs),
    confirmMs: Math.round(ended - confirmStarted),
    body: confirm.body,
  };
}

// ── list ───────────────────────────────────────────────────────────────────────────────────────

export function listDevices(o: Pick<ClientOptions, 'env' | 'deviceDir'> = {}): { dir: string; devices: ListedDevice[] } {
  const dir = resolveDeviceDir(o);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { dir, devices: [] };
    throw err;
  }
  const devices = names.map((name): ListedDevice => {
    const file = join(dir, name);
    try {
      const d = readDeviceFile(file);
      const loose = process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0;
      return {
        file,
        device_id: d.device_id,
        customer_id: d.customer_id,
        created_at: d.created_at,
        enrolled_at: d.enrolled_at,
        server_url: d.server_url,
        ...(loose ? { problem: 'readable by others: chmod 600 it' } : {}),
      };
    } catch (err) {
      return { file, problem: (err as Error).message };
    }
  });
  return { dir, devices };
}

// ── command line ───────────────────────────────────────────────────────────────────────────────

const USAGE = `usage: npm run device -- <command> [options]

A phone-app simulator for the Dynamic Identifier flow: it holds device keys (JSON files, mode 0600)
and confirms the 6-digit DID a call speaks, as the real app would.

  enrol --customer <id> [--device <id>] [--admin-token <t>]
        make a P-256 key pair and enrol its public key for the customer
        (POST /admin/customers/{id}/devices); an existing key file for --device is reused
  confirm --device <id> --did <6 digits>
        POST /app/challenge, sign the challenge, POST /app/confirm; prints the outcome and timing
  list  the device key files

options
  --url <base>          callgate's base URL (else $CALLGATE_URL, else ${DEFAULT_URL})
  --admin-token <t>     for enrol (else $CALLGATE_ADMIN_TOKEN, else dev-secrets.json next to $CALLGATE_DB)
  --json                print the result as JSON
  -h, --help

Key files live in $CALLGATE_DEVICE_DIR, else <dir of $CALLGATE_DB>/devices (./data/devices).
Exit codes: 0 done, 1 refused or unreachable, 2 usage or set-up problem.`;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Env;
  fetch?: typeof fetch;
}

const nodeIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env };

const OPTIONS = {
  url: { type: 'string' },
  customer: { type: 'string' },
  device: { type: 'string' },
  did: { type: 'string' },
  'admin-token': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ALLOWED: Record<string, readonly (keyof typeof OPTIONS)[]> = {
  enrol: ['url', 'customer', 'device', 'admin-token', 'json', 'help'],
  confirm: ['url', 'device', 'did', 'json', 'help'],
  list: ['json', 'help'],
};

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

export async function main(argv: string[], io: Io = nodeIo): Promise<number> {
  const fail = (message: string) => {
    io.err(`error: ${message}\n\n${USAGE}`);
    return 2;
  };
  const parsed = parseCommandLine(argv);
  if (parsed instanceof Error) return fail(parsed.message);
  const { values, positionals } = parsed;
  const [given, ...extra] = positionals;
  const command = given === 'enroll' ? 'enrol' : given;
  if (command === undefined || command === 'help') {
    (values.help || command === 'help' ? io.out : io.err)(USAGE);
    return values.help || command === 'help' ? 0 : 2;
  }
  const allowed = ALLOWED[command];
  if (!allowed) return fail(`unknown command "${given}"`);
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (extra.length) return fail(`unexpected argument "${extra[0]}"`);
  for (const name of Object.keys(values) as (keyof typeof OPTIONS)[])
    if (values[name] !== undefined && !allowed.includes(name)) return fail(`--${name} does not apply to ${command}`);

  const common: ClientOptions = { env: io.env, ...(values.url !== undefined ? { url: values.url } : {}), ...(io.fetch ? { fetch: io.fetch } : {}) };
  const report = (result: { ok: boolean; exitCode: number; message?: string }, human: () => void): number => {
    if (values.json) io.out(JSON.stringify(result, null, 2));
    else if (!result.ok) io.err(`error: ${result.message}`);
    else human();
    return result.exitCode;
  };

  switch (command) {
    case 'enrol': {
      if (values.customer === undefined) return fail('enrol needs --customer <id>');
      const r = await enrolDevice({
        ...common,
        customerId: values.customer,
        ...(values.device !== undefined ? { deviceId: values.device } : {}),
        ...(values['admin-token'] !== undefined ? { adminToken: values['admin-token'] } : {}),
      });
      if (!r.ok && r.reason === 'usage') return fail(r.message);
      return report(r, () => {
        if (!r.ok) return;
        io.out(
          `${r.status === 201 ? 'enrolled' : 'already enrolled'}: device ${r.deviceId} for customer ${r.customerId} (${r.status})` +
            (r.reusedKey ? ', existing key reused' : ''),
        );
        io.out(`  key file: ${r.file} (0600)`);
        io.out(`  next: when a call speaks a DID, run: npm run device -- confirm --device ${r.deviceId} --did <6 digits>`);
      });
    }
    case 'confirm': {
      if (values.device === undefined || values.did === undefined) return fail('confirm needs --device <id> and --did <6 digits>');
      const r = await confirmDid({ ...common, deviceId: values.device, did: values.did });
      if (!r.ok && r.reason === 'usage') return fail(r.message);
      return report(r, () => {
        if (!r.ok) return;
        io.out(`confirmed: session ${r.sessionId} by device ${r.deviceId} (customer ${r.customerId})`);
        io.out(`  round trip ${r.roundTripMs} ms (challenge ${r.challengeMs} ms, confirm ${r.confirmMs} ms)`);
      });
    }
    case 'list': {
      const { dir, devices } = listDevices({ env: io.env });
      if (values.json) {
        io.out(JSON.stringify({ dir, devices }, null, 2));
        return 0;
      }
      if (devices.length === 0) {
        io.out(`no devices in ${dir}; make one with: npm run device -- enrol --customer <id>`);
        return 0;
      }
      io.out(`devices in ${dir}:`);
      for (const d of devices) {
        if (d.device_id === undefined) {
          io.out(`  ${d.file}: ${d.problem}`);
          continue;
        }
        const state = d.enrolled_at ? `enrolled ${d.enrolled_at} at ${d.server_url}` : 'NOT enrolled (server unreachable at enrol time)';
        io.out(`  ${d.device_id}  customer ${d.customer_id}  ${state}${d.problem ? `  ⚠ ${d.problem}` : ''}`);
      }
      return 0;
    }
    default:
      return fail(`unknown command "${given}"`);
  }
}

runIfMain(import.meta.url, main);
