import { StartupError } from './server.js';

const PARENT_CHECK_MS = 500;

/**
 * Stops on SIGINT/SIGTERM, and with the parent under an npm script: npm (and its shell) sit
 * between a person and this process, and a signal that kills them (SIGHUP, or SIGTERM through the
 * shell) never reaches us, so a server outliving the command that started it would be an orphan.
 */
export function stopOnSignals(stop: () => void, env: Record<string, string | undefined> = process.env): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, stop);
  if (env.npm_lifecycle_event) {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop();
    }, PARENT_CHECK_MS).unref();
  }
}

/** A refused start-up prints its lines (one per problem) and exits 1; anything else is a bug. */
export function exitOnStartupError(err: unknown): never {
  if (err instanceof StartupError) {
    console.error('callgate cannot start:');
    for (const line of err.lines) console.error(`  ${line}`);
    process.exit(1);
  }
  throw err;
}
