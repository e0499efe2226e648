import { spawn } from 'node:child_process';
import { REPO_ROOT } from './proc.js';

/**
 * Runs bench/seed.ts in a child process with `args` and answers the JSON it prints last.
 * `onStderrLine` sees each last stderr line as it grows (the seeder reports its progress there).
 */
export function runSeed(args: string[], env: NodeJS.ProcessEnv, onStderrLine?: (line: string) => void): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/seed.ts', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      onStderrLine?.(err.trimEnd().split('\n').at(-1) ?? '');
    });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench/seed.ts exited ${code}: ${err.slice(-2000)}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>);
      } catch {
        reject(new Error(`bench/seed.ts printed no result: ${out.slice(-500)}`));
      }
    });
  });
}
