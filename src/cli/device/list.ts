// `list`: the key files in the device folder, and any that cannot be used.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from './command.js';
import { readDeviceFile } from './key-file.js';
import { resolveDeviceDir, type ClientOptions } from './settings.js';

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

export function listCommand({ values, io }: Command): number {
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
