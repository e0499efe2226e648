// The README's walkthrough block (after `<!-- walkthrough -->`), run as it stands by bash against
// `npm start` — or `npm run start:worker` under CALLGATE_TEST_RUNTIME=worker — started as a person
// starts it. Only the address (the test's own port) and the data folder are swapped in.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../src/runtime/worker-dev/launch.js';
import { personEnv, runCommand, startNpmServer } from './helpers/npm-process.js';
import { onWorker } from './helpers/runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'callgate-walkthrough-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every `{"success"…}` object in the output, read by matching braces (answers hold no brace in a string). */
function jsonAnswers(out: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (let start = out.indexOf('{"success"'); start >= 0; start = out.indexOf('{"success"', start + 1)) {
    let depth = 0;
    for (let i = start; i < out.length; i++) {
      if (out[i] === '{') depth++;
      else if (out[i] === '}' && --depth === 0) {
        found.push(JSON.parse(out.slice(start, i + 1)) as Record<string, unknown>);
        break;
      }
    }
  }
  return found;
}

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const block = /<!-- walkthrough -->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];

describe(`the README walkthrough on ${onWorker ? 'npm run start:worker' : 'npm start'}`, () => {
  it('is in the README', () => {
    expect(block).toContain('npm run device -- confirm');
  });

  it('confirms a DID from the phone-app simulator, wakes did_wait, and opens a post-auth tool', async () => {
    const env = personEnv({ CALLGATE_DB: join(dir, 'callgate.sqlite'), PORT: '0' });
    const server = startNpmServer(onWorker ? 'start:worker' : 'start', env);
    try {
      const url = await server.listening;
      const host = new URL(url).host;
      const script = block!
        .replaceAll('http://127.0.0.1:8787', url)
        .replaceAll('localhost:8787', host)
        .replaceAll('./data/', `${dir}/`);
      // The device simulator's default is http://127.0.0.1:8787; here it is told the test's port.
      const shell = runCommand('bash', ['-euo', 'pipefail', '-c', script], { ...env, CALLGATE_URL: url });
      const code = await shell.exited;
      const out = shell.output();
      expect(code, out).toBe(0);
      expect(out).toMatch(/✓ demo-ada \(Ada Lovelace\): enrolled/);
      expect(out).toMatch(/enrolled: device ada-phone for customer demo-ada/);
      expect(out).toMatch(/confirmed: session did_\S+ by device ada-phone/);
      // The waiting did_wait prints while the simulator does, so an answer may share its line.
      const answers = jsonAnswers(out);
      expect(answers.find((a) => a.did_status === 'confirmed')).toMatchObject({ success: true, privileged_allowed: true, next_required_step: 'none' });
      expect(answers.at(-1)).toMatchObject({ success: true, reason: 'ok', accounts: expect.arrayContaining([expect.objectContaining({ account: '…4211', balance: 2450 })]) });
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 180_000); // a server start, then five commands each starting Node with tsx, on a shared machine
});
