// `npm start`: callgate on Node with its embedded defaults (SQLite file, ./policies, console OTP).
import { describeConfig } from '../config.js';
import { startServer, StartupError } from './server.js';

try {
  const server = await startServer({ env: process.env });
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
