// `npm run start:worker`: callgate's Cloudflare Worker on this machine, configured by the same
// environment as `npm start` (PORT, HOST, CALLGATE_*, TWILIO_*, VOXEQ_*, ELEVENLABS_*, NODE_ENV).
// The Cron Triggers of wrangler.toml do not fire locally, so this process fires them on time.
import { describeConfig } from '../../config.js';
import { describePolicies } from '../main.js';
import { StartupError } from '../server.js';
import { startWorkerServer } from './launch.js';

const MINUTE_MS = 60_000;
const PARENT_CHECK_MS = 500;

try {
  const server = await startWorkerServer({ env: process.env });
  console.log(`callgate listening on ${server.url}`);
  console.log(describeConfig(server.config));
  console.log(`worker state (D1, Durable Objects): ${server.persistDir ?? '(a temporary folder, removed on exit)'}`);
  console.log(`policies in force:\n${describePolicies(server.policies)}`);
  console.log(`pid ${process.pid}: kill ${process.pid} stops (policies are read at start: restart to change them)`);
  const cron = (expr: string) => () =>
    void server.scheduled(expr).catch((err: unknown) => console.error(`cron ${expr} failed: ${(err as Error).message}`));
  // Hourly work also runs once at start, as the Node server purges at start.
  cron('0 * * * *')();
  const timers = [setInterval(cron('* * * * *'), MINUTE_MS), setInterval(cron('0 * * * *'), 60 * MINUTE_MS)];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const t of timers) clearInterval(t);
      await server.close();
      process.exit(0);
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
  // Under npm, a signal that kills npm (SIGHUP) never reaches us: stop with the parent, as npm start does.
  if (process.env.npm_lifecycle_event) {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) void stop();
    }, PARENT_CHECK_MS).unref();
  }
} catch (err) {
  if (err instanceof StartupError) {
    console.error('callgate cannot start:');
    for (const line of err.lines) console.error(`  ${line}`);
    process.exit(1);
  }
  throw err;
}
