// `npm run seed:demo`: enrols the demo customers (src/cli/demo-data.ts) into the database `npm start`
// uses, with the same configuration: same environment, same CALLGATE_DB default, same development
// secrets file (so answers are hashed and TOTP seeds sealed with the key the server will use).
// Listens on nothing: the app is built in-process and driven with app.request().
// `npm run seed:demo -- --url http://127.0.0.1:8787` does the same through a running server's
// admin API instead (the way to seed `npm run start:worker`, whose D1 lives inside workerd).
import { createApp } from '../app.js';
import { loadConfig, readNodeEnv } from '../config.js';
import { createKeys } from '../crypto/keys.js';
import { silentLogger } from '../kernel/ports.js';
import { formatPolicyError } from '../policy/index.js';
import type { OtpSender } from '../providers/otp/index.js';
import { dbPathOf, devSecretsDir, loadOrCreateDevSecrets } from '../runtime/node/dev-secrets.js';
import { reloadPolicySet } from '../runtime/node/policy-dir.js';
import { openSqlite } from '../runtime/node/sqlite.js';
import { DEMO_CUSTOMERS, enrolDemo, formatCents, type EnrolResult } from './demo-data.js';
import { resolveAdminToken, resolveUrl } from './device/settings.js';
import { isLoopbackHost } from '../loopback.js';
import { isMain } from './run-main.js';

/** Seeding never sends a code; a sender that refuses keeps it that way. */
const noSender: OtpSender = { name: 'none', send: async () => ({ ok: false, reason: 'channel_unsupported' }) };

export async function seedDemo(
  env: Record<string, string | undefined>,
  out: (line: string) => void = (l) => console.log(l),
  err: (line: string) => void = (l) => console.error(l),
  argv: readonly string[] = [],
): Promise<number> {
  const remote = urlArgument(argv);
  if (remote !== undefined) return seedRemote(remote, env, out, err);
  // The same steps, in the same order, as startServer (src/runtime/node/server.ts), minus the socket.
  const mode = readNodeEnv(env);
  if (!mode.ok) {
    err(`seed:demo cannot start: ${mode.error}`);
    return 1;
  }
  const production = mode.production;
  if (dbPathOf(env) === ':memory:') {
    err('seed:demo: CALLGATE_DB is :memory:, so nothing would outlive this command; point it at a file (default ./data/callgate.sqlite)');
    return 1;
  }
  let dev: ReturnType<typeof loadOrCreateDevSecrets> | undefined;
  try {
    dev = production ? undefined : loadOrCreateDevSecrets(devSecretsDir(env));
  } catch (e) {
    err(`seed:demo cannot start: ${(e as Error).message}`);
    return 1;
  }
  const loaded = loadConfig(env, dev?.secrets);
  if (!loaded.ok) {
    err('seed:demo cannot start:');
    for (const line of loaded.errors) err(`  ${line}`);
    return 1;
  }
  const { config } = loaded;
  for (const w of loaded.warnings) err(`warning: ${w}`);
  if (dev?.created && loaded.usedDevSecrets.length) {
    out(`Generated development secrets (kept in ${dev.file}; shown once):`);
    for (const name of loaded.usedDevSecrets) out(`  ${name}=${dev.secrets[name]}`);
  }
  const policies = reloadPolicySet(config.policyDir);
  if (!policies.set) {
    err('seed:demo cannot start: the policy folder does not validate');
    for (const e of policies.errors) err(`  ${formatPolicyError(e)}`);
    return 1;
  }
  const set = policies.set;

  const sqlite = openSqlite(config.db);
  try {
    const keys = await createKeys(config.secrets.key);
    const { app } = createApp({
      db: sqlite.db,
      secrets: config.secrets,
      keys,
      policies: () => set,
      otpSender: noSender,
      logger: silentLogger,
    });
    out(`Demo customers in ${config.db}:`);
    let results: EnrolResult[];
    try {
      results = await enrolDemo(app, config.secrets.admin);
    } catch (e) {
      err(`seed:demo failed: ${(e as Error).message}`);
      return 1;
    }
    for (const r of results) printResult(r, out);
    const fresh = results.filter((r) => r.status === 'enrolled').length;
    out('');
    out(
      fresh === 0
        ? `All ${results.length} demo customers were already enrolled; nothing changed.`
        : `${fresh} enrolled, ${results.length - fresh} already enrolled.`,
    );
    out('Try a call by hand: npm start, then POST /elevenlabs/initiation with one of the phones above as caller_id');
    out('(codes sent by the console sender are listed at GET /admin/outbox). Or run `npm run demo`.');
    return 0;
  } finally {
    sqlite.close();
  }
}

/** `--url <base>`, `--url=<base>`, or `--url` alone for $CALLGATE_URL / the default; undefined without it. */
function urlArgument(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--url' || a.startsWith('--url='));
  if (i < 0) return undefined;
  const arg = argv[i]!;
  return arg.startsWith('--url=') ? arg.slice('--url='.length) : (argv[i + 1] ?? '');
}

/**
 * `--url`: the same customers and accounts through a running server's admin API (`npm start` or
 * `npm run start:worker`, whose database this command cannot open), with the admin token from
 * CALLGATE_ADMIN_TOKEN or the server's development secrets file.
 */
async function seedRemote(url: string, env: Record<string, string | undefined>, out: (line: string) => void, err: (line: string) => void) {
  const base = resolveUrl({ url, env });
  if (typeof base !== 'string') return err(`seed:demo: ${base.message}`), 2;
  const loopback = isLoopbackHost(new URL(base).hostname);
  // The admin token crosses the network only encrypted, and this machine's development token
  // (the dev-secrets file) goes only to this machine.
  if (!loopback && new URL(base).protocol !== 'https:') return err('seed:demo: --url must be https unless it is this machine (127.0.0.1, localhost)'), 2;
  const token = resolveAdminToken({ env });
  if ('ok' in token) return err(`seed:demo: ${token.message}`), 2;
  if (!loopback && token.source !== 'CALLGATE_ADMIN_TOKEN' && token.source !== '--admin-token')
    return err(`seed:demo: set CALLGATE_ADMIN_TOKEN for ${base}: the development token in ${token.source} is for this machine's server only`), 2;
  // No redirects: a 3xx must not carry the admin bearer anywhere else.
  const app = { request: (path: string, init?: RequestInit) => fetch(`${base}${path}`, { ...init, redirect: 'manual', signal: AbortSignal.timeout(10_000) }) };
  out(`Demo customers at ${base}:`);
  let results: EnrolResult[];
  try {
    results = await enrolDemo(app, token.token);
  } catch (e) {
    err(`seed:demo failed: ${(e as Error).message}${(e as Error).name === 'TypeError' ? ` (is the server running at ${base}?)` : ''}`);
    return 1;
  }
  for (const r of results) printResult(r, out);
  return 0;
}

function printResult(r: EnrolResult, out: (line: string) => void): void {
  const demo = DEMO_CUSTOMERS.find((d) => d.body.customer_id === r.customer_id);
  const state = r.status === 'enrolled' ? 'enrolled' : 'already enrolled (nothing changed)';
  out(`${r.status === 'enrolled' ? '✓' : '•'} ${r.customer_id} (${r.display_name}): ${state}`);
  out(`    phone ${r.phones.join(', ')} · member ID ${demo?.memberId ?? '?'} · account refs ${r.account_refs.join(', ')}`);
  const accounts = r.accounts
    .map((a) => `${a.kind} ${a.ref} ${formatCents(a.balanceCents, a.currency)}${a.kind === 'card' && a.cardLimitCents !== null ? ` (limit ${formatCents(a.cardLimitCents, a.currency)})` : ''}`)
    .join(' · ');
  out(`    ledger: ${accounts}`);
  out(
    `    ledger accounts ${r.accounts_seeded === 0 ? 'already present (balances kept as they are)' : `created: ${r.accounts_seeded}`}`,
  );
  if (demo) {
    const basic = demo.body.kba.filter((k) => k.level === 'basic').length;
    const advanced = demo.body.kba.length - basic;
    out(`    knowledge questions: ${basic} basic, ${advanced} advanced (answers in src/cli/demo-data.ts)`);
  }
  if (r.totp_uri) {
    out(`    authenticator (shown once; add it to an authenticator app now, it is stored only sealed):`);
    out(`      ${r.totp_uri}`);
  } else if (demo?.body.totp) {
    out('    authenticator: enrolled earlier (the otpauth URI was shown then and is not stored in clear)');
  }
}

if (isMain(import.meta.url)) {
  process.exitCode = await seedDemo(process.env, undefined, undefined, process.argv.slice(2));
}
