// Where the simulator talks to and keeps its keys: the base URL, the key folder and the admin token,
// each from a flag, else the environment, else the server's data folder; and the failure shape
// every verb returns.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEV_SECRETS_FILE, devSecretsDir } from '../../runtime/node/dev-secrets.js';

export const DEFAULT_URL = 'http://127.0.0.1:8787';
export const DEFAULT_TIMEOUT_MS = 10_000;

export type Env = Record<string, string | undefined>;

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

/** Server-side ids are 1–64 of [A-Za-z0-9._-]; locally we also refuse a leading dot (hidden files). */
export const ID_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

const envOf = (o: ClientOptions): Env => o.env ?? process.env;
const nonEmpty = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);

export function usage(message: string, reason = 'usage'): Failure {
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
