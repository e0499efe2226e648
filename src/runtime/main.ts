// Node-only: the process around startServer — the banner, SIGHUP policy reload, clean shutdown,
// and a start-up refusal printed one line per problem. `npm start` and the bench's profiled
// entry both run exactly this.
import { describeConfig } from '../config.js';
import { startServer, StartupError } from './server.js';

export async function runNodeServer(env: Record<string, string | undefined> = process.env): Promise<void> {
  try {
    const server = await startServer({ env });
    console.log(`callgate listening on ${server.url}`);
    console.log(describeConfig(server.config));
    process.on('SIGHUP', () => {
      const r = server.reloadPolicies();
      console.log(r.ok ? 'policies reloaded' : `policy reload refused, previous policies stay in force:\n${r.errors.join('\n')}`);
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
