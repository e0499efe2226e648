import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs a CLI's `main` when its module is the process entry (`tsx src/cli/x.ts`), not when a test
 * or another command imports it. The exit code is set, not forced, so pending output drains.
 */
export function runIfMain(moduleUrl: string, main: (argv: string[]) => Promise<number>): void {
  if (!process.argv[1] || resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
