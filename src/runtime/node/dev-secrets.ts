// Node-only. In development the four core secrets are generated once into <dir>/dev-secrets.json
// (mode 0600) and reused on every restart, so the bearer secrets pasted into an ElevenLabs agent or an
// IVR stay valid. Never used in production (loadConfig ignores them there).
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULTS, DEV_SECRET_NAMES, type DevSecretName } from '../../config.js';
import { toBase64Url } from '../../crypto/bytes.js';

export const DEV_SECRETS_FILE = 'dev-secrets.json';

/** CALLGATE_DB as the server reads it: blank means unset, so the default file. */
export const dbPathOf = (env: Record<string, string | undefined>): string => env.CALLGATE_DB?.trim() || DEFAULTS.CALLGATE_DB;

/** Where development secrets live: next to the database file (./data for an in-memory one). */
export function devSecretsDir(env: Record<string, string | undefined>): string {
  const db = dbPathOf(env);
  return db === ':memory:' ? resolve('./data') : dirname(resolve(db));
}

export interface DevSecretsFile {
  secrets: Record<DevSecretName, string>;
  /** True when this call generated at least one secret: print them once. */
  created: boolean;
  /** Absolute or dir-relative path of the file. */
  file: string;
}

const generate = (): string => toBase64Url(randomBytes(32));

function readExisting(file: string): Partial<Record<DevSecretName, string>> | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${file}: not valid JSON; delete it to generate new development secrets`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${file}: expected a JSON object of secrets; delete it to generate new development secrets`);
  const out: Partial<Record<DevSecretName, string>> = {};
  for (const name of DEV_SECRET_NAMES) {
    const v = (parsed as Record<string, unknown>)[name];
    if (typeof v === 'string' && v.trim() !== '') out[name] = v;
  }
  return out;
}

function writeAtomically(file: string, secrets: Record<DevSecretName, string>, exclusive: boolean): boolean {
  const text = `${JSON.stringify(secrets, null, 2)}\n`;
  if (exclusive) {
    // First creation: 'wx' fails if a concurrent start won the race; the caller then reads its file.
    try {
      writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
  return true;
}

export function loadOrCreateDevSecrets(dir: string): DevSecretsFile {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, DEV_SECRETS_FILE);

  for (let attempt = 0; attempt < 2; attempt++) {
    const existing = readExisting(file);
    const missing = DEV_SECRET_NAMES.filter((n) => existing?.[n] === undefined);
    if (existing && missing.length === 0) {
      tightenMode(file);
      return { secrets: existing as Record<DevSecretName, string>, created: false, file };
    }
    const secrets = { ...existing } as Record<DevSecretName, string>;
    for (const name of missing) secrets[name] = generate();
    if (writeAtomically(file, secrets, existing === null)) return { secrets, created: true, file };
    // Lost the creation race: read what the winner wrote.
  }
  throw new Error(`${file}: could not create development secrets`);
}

/** A secrets file readable by others (copied around, created by hand) is put back to 0600. */
function tightenMode(file: string): void {
  if (process.platform === 'win32') return;
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  } catch {
    // best effort
  }
}
