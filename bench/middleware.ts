// What each layer callgate puts in front of a tool call costs on its own: a Hono server (its own
// process) with only the named layers, answering a fixed JSON body, driven like the `status` scenario.
// Part of the full `npm run bench`; alone:  npx tsx bench/middleware.ts [--duration 5]
//
// Layers (as src/app.ts and src/http/tools.ts use them):
//   headers  hono secureHeaders()
//   limit    hono bodyLimit({maxSize: 32 KiB})
//   bearer   src/http/bearer.ts (SHA-256 of the presented secret via WebCrypto, constant-time compare)
//   body     src/http/body.ts readJson (c.req.text() + JSON.parse)
//   signal   reads c.req.raw.signal (src/http/tools.ts passes it to the orchestrator)
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cannon } from './lib/cannon.js';
import { REPO_ROOT, sleep } from './lib/proc.js';
import { fmtMs, summarize } from './lib/stats.js';

export const LAYER_VARIANTS = ['', 'headers', 'limit', 'bearer', 'body', 'signal', 'limit,body', 'headers,limit,bearer,body,signal'] as const;

export interface LayerRow {
  layers: string;
  rps: number;
  p50: number;
  p99: number;
}

async function serveLayers(layersArg: string): Promise<void> {
  const { serve } = await import('@hono/node-server');
  const { Hono } = await import('hono');
  const { bodyLimit } = await import('hono/body-limit');
  const { secureHeaders } = await import('hono/secure-headers');
  const { bearer } = await import('../src/http/bearer.js');
  const { readJson } = await import('../src/http/body.js');
  const layers = new Set(layersArg.split(',').filter(Boolean));
  const answer = { success: true, reason: 'ok', next_required_step: 'otp_send', privileged_allowed: false };
  const app = new Hono();
  if (layers.has('headers')) app.use(secureHeaders());
  if (layers.has('limit')) app.use(bodyLimit({ maxSize: 32 * 1024 }));
  if (layers.has('bearer')) app.use('/t/*', bearer('bench-secret', 'tools'));
  app.post('/t/x', async (c) => {
    if (layers.has('body')) {
      const json = await readJson(c);
      if (!json.ok) return c.json({ success: false }, 400);
    }
    if (layers.has('signal') && c.req.raw.signal.aborted) return c.json({ success: false }, 499 as never);
    return c.json(answer);
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`layers listening on http://127.0.0.1:${info.port}`));
  process.once('SIGTERM', () => {
    server.close(() => process.exit(0));
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}

async function start(layers: string, dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const log = join(dir, `${layers || 'none'}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', layers], { cwd: REPO_ROOT, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  for (let i = 0; i < 800; i++) {
    const m = /listening on (http:\/\/\S+)/.exec(readFileSync(log, 'utf8'));
    if (m)
      return {
        url: m[1]!,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      };
    await sleep(25);
  }
  child.kill('SIGKILL');
  throw new Error(`layer server "${layers}" did not start: ${readFileSync(log, 'utf8').slice(-500)}`);
}

export async function middlewareLayers(o: { durationS: number; warmupS: number; connections: number; progress?: (t: string) => void }): Promise<LayerRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'callgate-bench-layers-'));
  const rows: LayerRow[] = [];
  try {
    for (const v of LAYER_VARIANTS) {
      const server = await start(v, dir);
      try {
        let n = 0;
        const spec = {
          url: server.url,
          path: '/t/x',
          method: 'POST' as const,
          headers: { authorization: 'Bearer bench-secret' },
          body: () => JSON.stringify({ call_id: `CAlayers${n % 1000}`, conversation_id: `conv_CAlayers${n++ % 1000}`, action: 'status' }),
          connections: o.connections,
        };
        await cannon({ ...spec, durationS: o.warmupS });
        const run = await cannon({ ...spec, durationS: o.durationS, onTick: (k, s) => o.progress?.(`middleware layers [${v || 'bare'}]: ${Math.round(k / s).toLocaleString('en-US')} req/s`) });
        const l = summarize(run.latency);
        rows.push({ layers: v || '(bare)', rps: Math.round(run.rps), p50: l.p50, p99: l.p99 });
      } finally {
        await server.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const { values } = parseArgs({ options: { serve: { type: 'string' }, duration: { type: 'string', default: '5' } } });
  if (values.serve !== undefined) await serveLayers(values.serve);
  else {
    const rows = await middlewareLayers({ durationS: Number(values.duration), warmupS: 1, connections: 64 });
    const bare = rows[0]!.rps;
    console.log('layers                              req/s  ×bare    p50     p99');
    for (const r of rows)
      console.log(`${r.layers.padEnd(34)} ${String(r.rps).padStart(6)} ${`${Math.round((r.rps / bare) * 100)}%`.padStart(5)} ${fmtMs(r.p50).padStart(6)} ${fmtMs(r.p99).padStart(7)}`);
  }
}
