// Node-only: callgate's worker on this machine (workerd through wrangler), from the same
// environment `npm start` reads. Config is validated here first with the same code, so a bad
// environment is refused with the same lines; development secrets are generated and kept as on
// Node; D1 and the Durable Objects persist in a folder derived from CALLGATE_DB.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Readable } from 'node:stream';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { CONFIG_VARIABLES, loadConfig, readNodeEnv, type Config } from '../../config.js';
import { dbPathOf, devSecretsDir, loadOrCreateDevSecrets } from '../node/dev-secrets.js';
import { formatPolicyError } from '../../policy/index.js';
import { policyFilesIn } from '../node/policy-dir.js';
import { parsePolicyFiles } from '../worker/policies.js';
import { StartupError } from '../node/server.js';
import { bundleWorker } from './bundle.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
const CONFIG = join(ROOT, 'wrangler.toml');

/** Where the worker's local D1 and Durable Objects live: next to CALLGATE_DB (a fresh folder for :memory:). */
export function persistDirOf(env: Record<string, string | undefined>): string | undefined {
  const db = dbPathOf(env);
  if (db === ':memory:') return undefined;
  return join(dirname(resolve(db)), `${basename(db).replace(/\.(sqlite3?|db)$/, '')}.worker`);
}

/** What wrangler and workerd need to run offline and quietly, whatever the caller's environment. */
const toolEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  CI: '1',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: 'false',
});

/** `wrangler d1 migrations apply DB --local`: the migrations/ folder, recorded in d1_migrations. */
export async function applyLocalMigrations(persistTo: string): Promise<void> {
  const args = [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo, '--config', CONFIG];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: toolEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new StartupError([`D1 migrations failed (wrangler exit ${code}):`, ...out.trim().split('\n')]);
}

export interface WorkerServer {
  url: string;
  config: Config;
  persistDir: string | undefined;
  /** The policies the worker answers /healthz with. */
  policies: { id: string; version: number; file?: string }[];
  /** Runs a cron trigger now (`* * * * *` or `0 * * * *`). */
  scheduled(cron: string): Promise<void>;
  close(): Promise<void>;
}

export interface WorkerServerOptions {
  env: Record<string, string | undefined>;
  print?: (line: string) => void;
  /** 'log' (the default): the worker's own log lines too; otherwise errors only. */
  logLevel?: 'log' | 'warn' | 'error';
}

/** The local D1 database file under a persist folder (a real SQLite file, WAL mode). */
export function d1FileIn(persistDir: string): string {
  const dir = join(persistDir, 'v3/d1/miniflare-D1DatabaseObject');
  const file = readdirSync(dir).find((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
  if (!file) throw new Error(`no D1 database in ${dir}`);
  return join(dir, file);
}

export async function startWorkerServer(opts: WorkerServerOptions): Promise<WorkerServer> {
  const print = opts.print ?? ((l: string) => console.log(l));
  const { env } = opts;
  const mode = readNodeEnv(env);
  if (!mode.ok) throw new StartupError([mode.error]);
  const dev = mode.production ? undefined : loadOrCreateDevSecrets(devSecretsDir(env));
  const loaded = loadConfig(env, dev?.secrets);
  if (!loaded.ok) throw new StartupError(loaded.errors);
  const { config } = loaded;
  if (config.fault) throw new StartupError(['CALLGATE_FAULT: fault injection exists only on the Node runtime (npm start)']);
  for (const w of loaded.warnings) print(`warning: ${w}`);
  if (dev?.created && loaded.usedDevSecrets.length) {
    print(`Generated development secrets (kept in ${dev.file}; shown once):`);
    for (const name of loaded.usedDevSecrets) print(`  ${name}=${dev.secrets[name]}`);
  }

  // Read and checked here, with the worker's own parser, so a bad file is refused with its path
  // and line as on Node; the worker gets the texts by file name.
  let byPath: Record<string, string>;
  try {
    byPath = Object.fromEntries(policyFilesIn(config.policyDir).map((f) => [f, readFileSync(f, 'utf8')]));
  } catch (err) {
    throw new StartupError([`CALLGATE_POLICY_DIR: cannot read ${config.policyDir}: ${(err as Error).message}`]);
  }
  const checked = parsePolicyFiles(byPath);
  if (checked.errors.length) throw new StartupError(checked.errors.map(formatPolicyError));
  const policyFiles = Object.fromEntries(Object.entries(byPath).map(([f, text]) => [basename(f), text]));

  const persistent = persistDirOf(env);
  const persistDir = persistent ?? mkdtempSync(join(tmpdir(), 'callgate-worker-'));
  await applyLocalMigrations(persistDir);

  // Every variable as the worker's own binding; the secrets as loadConfig resolved them (dev ones
  // included). NODE_ENV is always set, so wrangler.toml's production default never applies here.
  const bindings: Record<string, string> = {};
  for (const name of CONFIG_VARIABLES) {
    const v = env[name];
    if (typeof v === 'string' && v.trim() !== '') bindings[name] = v;
  }
  Object.assign(bindings, {
    CALLGATE_TOOL_SECRET: config.secrets.tool,
    CALLGATE_IVR_SECRET: config.secrets.ivr,
    CALLGATE_ADMIN_TOKEN: config.secrets.admin,
    CALLGATE_SECRET_KEY: config.secrets.key,
    NODE_ENV: env.NODE_ENV ?? '',
    POLICY_FILES: JSON.stringify(policyFiles),
  });

  // Miniflare straight onto workerd (wrangler dev's extra proxy in front of it drops the request
  // after one whose body the worker refused unread). D1 and the Durable Objects live where
  // `wrangler d1 migrations apply --persist-to` put them.
  const buildDir = mkdtempSync(join(tmpdir(), 'callgate-worker-build-'));
  const { workerOptions } = unstable_getMiniflareWorkerOptions(CONFIG);
  const verbose = (opts.logLevel ?? 'log') === 'log';
  const mf = new Miniflare({
    ...workerOptions,
    name: 'callgate',
    modules: true,
    scriptPath: await bundleWorker(ROOT, buildDir),
    modulesRoot: buildDir,
    bindings,
    d1Persist: join(persistDir, 'v3/d1'),
    durableObjectsPersist: join(persistDir, 'v3/do'),
    host: config.host,
    port: config.port,
    cf: false,
    // Warnings only: the worker's own access log already has a line per request.
    log: new Log(verbose ? LogLevel.WARN : LogLevel.ERROR),
    // The worker's console (its JSON log lines, dev OTP codes) on this process's own streams.
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      if (verbose) stdout.pipe(process.stdout);
      else stdout.resume();
      stderr.pipe(process.stderr);
    },
  });
  const dispose = async () => {
    await mf.dispose();
    rmSync(buildDir, { recursive: true, force: true });
    if (!persistent) rmSync(persistDir, { recursive: true, force: true });
  };
  try {
    const url = (await mf.ready).origin;
    const health = await fetch(`${url}/healthz`);
    const body = (await health.json()) as { ok?: boolean; policies?: WorkerServer['policies'] };
    if (health.status !== 200 || !body.ok) throw new StartupError([`the worker did not start (GET /healthz answered ${health.status}); its log says why`]);
    return {
      url,
      config,
      persistDir: persistent,
      policies: body.policies ?? [],
      scheduled: async (cron) => {
        const worker = (await mf.getWorker()) as unknown as { scheduled(o: { cron: string }): Promise<{ outcome: string }> };
        const result = await worker.scheduled({ cron });
        if (result.outcome !== 'ok') throw new Error(`cron ${cron}: ${result.outcome}`);
      },
      close: dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}
