// An npm script started as a person starts it: from the project root, with the environment a
// person's shell has (none of the test runner's CALLGATE_*, TWILIO_*, VOXEQ_*, ELEVENLABS_* or
// VITEST settings), its output kept, and the address it says it listens on.
import { spawn } from 'node:child_process';
import { ROOT } from '../../src/runtime/worker-dev/launch.js';

export function personEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(CALLGATE_|TWILIO_|VOXEQ_|ELEVENLABS_|VITEST)/.test(k) && !['NODE_ENV', 'PORT', 'HOST'].includes(k)) env[k] = v;
  return { ...env, ...extra };
}

/** A command run from the project root; `output()` is stdout and stderr as they came. */
export function runCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  return { child, exited, output: () => out };
}

/** `npm run <script>` of a server: resolves with the URL it prints once listening, rejects if it exits first. */
export function startNpmServer(script: string, env: NodeJS.ProcessEnv) {
  const server = runCommand('npm', ['run', '--silent', script], env);
  const listening = new Promise<string>((ready, fail) => {
    server.child.stdout.on('data', () => {
      const m = /callgate listening on (http:\/\/\S+)/.exec(server.output());
      if (m) ready(m[1]!);
    });
    void server.exited.then((code) => fail(new Error(`exited ${code} before listening:\n${server.output()}`)));
  });
  listening.catch(() => {}); // a refused start is awaited through `exited`
  return { ...server, listening };
}
