// Node-only: the process around startServer — the banner, SIGHUP policy reload, clean shutdown,
// and a start-up refusal printed one line per problem. `npm start` and the bench's profiled
// entry both run exactly this.
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describeConfig, type Config } from '../../config.js';
import type { InForce } from '../../policy/index.js';
import { devSecretsDir } from './dev-secrets.js';
import { exitOnStartupError, stopOnSignals } from './lifetime.js';
import { startServer } from './server.js';

export const PID_FILE = 'callgate.pid';

/** CALLGATE_PID_FILE, else callgate.pid next to the database (./data for an in-memory one). */
export function pidFileOf(config: Config): string {
  return config.pidFile ?? join(devSecretsDir({ CALLGATE_DB: config.db }), PID_FILE);
}

/**
 * The server's own pid, for signals: `npm start` puts npm (and a shell) between a person and
 * this process, and npm does not pass SIGHUP on. Removed on exit if it still names us.
 */
function writePidFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${process.pid}\n`);
  process.once('exit', () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
    } catch {
      // already gone
    }
  });
}

/** One line per policy in force: which rules new calls get, and from which file. */
export function describePolicies(list: readonly InForce[]): string {
  return list.map((p) => `  ${p.id} v${p.version}${p.file ? `  ${p.file}` : ''}`).join('\n');
}

export async function runNodeServer(env: Record<string, string | undefined> = process.env): Promise<void> {
  try {
    const server = await startServer({ env });
    console.log(`callgate listening on ${server.url}`);
    console.log(describeConfig(server.config));
    console.log(`policies in force:\n${describePolicies(server.policies().inForce())}`);
    const pidFile = pidFileOf(server.config);
    writePidFile(pidFile);
    console.log(`pid ${process.pid} (in ${pidFile}): kill -HUP $(cat ${pidFile}) reloads the policies, kill $(cat ${pidFile}) stops`);
    let reloading = Promise.resolve();
    process.on('SIGHUP', () => {
      // One reload at a time, in signal order.
      reloading = reloading.then(async () => {
        const r = await server.reloadPolicies().catch((err: unknown) => ({ ok: false, errors: [(err as Error).message], inForce: server.policies().inForce() }));
        console.log(
          r.ok
            ? `policies reloaded; in force:\n${describePolicies(r.inForce)}`
            : `policy reload refused, previous policies stay in force:\n${r.errors.join('\n')}\nin force:\n${describePolicies(r.inForce)}`,
        );
      });
    });
    let stopping: Promise<void> | undefined;
    const stop = () => (stopping ??= server.close().then(() => process.exit(0)));
    stopOnSignals(() => void stop(), env);
  } catch (err) {
    exitOnStartupError(err);
  }
}
