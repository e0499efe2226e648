// `npm run start:worker`: callgate's Cloudflare Worker on this machine, configured by the same
// environment as `npm start` (PORT, HOST, CALLGATE_*, TWILIO_*, VOXEQ_*, ELEVENLABS_*, NODE_ENV).
// The Cron Triggers of wrangler.toml do not fire locally, so this process fires them on time.
import { describeConfig } from '../../config.js';
import { describePolicies } from '../node/main.js';
import { exitOnStartupError, stopOnSignals } from '../node/lifetime.js';
import { startWorkerServer } from './launch.js';

const MINUTE_MS = 60_000;

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
  stopOnSignals(() => void stop());
} catch (err) {
  exitOnStartupError(err);
}
