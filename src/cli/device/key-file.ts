// A device's key file: one 0600 JSON file per device id, written atomically, read back checked.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  importDevicePrivateKey,
  parseDevicePublicJwk,
  type DevicePrivateJwk,
  type DevicePublicJwk,
} from '../../crypto/device-signature.js';
import { usage, type Failure } from './settings.js';

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

export const deviceFilePath = (dir: string, deviceId: string) => join(dir, `${deviceId}.json`);

export function readDeviceFile(file: string): DeviceFile {
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

export function writeDeviceFile(file: string, data: DeviceFile, exclusive: boolean): boolean {
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

export async function loadDevice(dir: string, deviceId: string): Promise<Loaded> {
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
