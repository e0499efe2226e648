// Node-only: the process around startServer — the banner, SIGHUP policy reload, clean shutdown,
// and a start-up refusal printed one line per problem. `npm start` and the bench's profiled
// entry both run exactly this.
import { describeConfig } from '../config.js';
import type { InForce } from '../policy/index.js';
import { startServer, StartupError } from './server.js';

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
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        void server.close().then(() => process.exit(0));
      });
    }
  } catch (err) {
    if (err instanceof StartupError) {
      console.error('callgate cannot start:');
      for (const line of err.lines) console.error(`  ${line}`);
      process.exit(1);
    }
    throw err;
  }
}
