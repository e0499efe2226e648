// Node-only: turns an environment into a running callgate (config → SQLite → policies → app → socket).
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createApp } from '../../app.js';
import { hostUrl, loadConfig, readNodeEnv, type Config } from '../../config.js';
import { createKeys } from '../../crypto/keys.js';
import { jsonLogger, systemClock, type Clock, type Logger } from '../../kernel/ports.js';
import { formatPolicyError, policyContent, policyFromContent, type InForce, type Policy, type PolicyError, type PolicySet, type VersionLookup } from '../../policy/index.js';
import { createPolicyStore, type PolicyStore } from '../../store/policies.js';
import { createOtpSender, DevOutbox, type OtpSender } from '../../providers/otp/index.js';
import { devSecretsDir, loadOrCreateDevSecrets } from './dev-secrets.js';
import { reloadPolicySet, versionConflictError } from './policy-dir.js';
import { openSqlite } from './sqlite.js';
import { batchedStdout } from './log-writer.js';
import { pushSenderFromConfig, PushConfigError } from '../../factors/push/delivery/from-config.js';
import { http2Transport } from './apns-http2.js';
import { purgeRetired } from '../../orchestrator/retention.js';
import { createTwilioCallRedirector } from '../../providers/twilio/calls.js';
import { createVoxeqPullProvider } from '../../providers/voxeq/pull.js';
import { createVoxeqSimulator } from '../../providers/voxeq/simulator.js';
import { createLedgerStore } from '../../store/ledger.js';
import { killAtFault } from './fault.js';
import type { ScreenProvider } from '../../providers/voxeq/types.js';

const HOUR_MS = 3_600_000;

export interface StartOptions {
  env: Record<string, string | undefined>;
  /** Where start-up messages go (banner, dev secrets, config errors). */
  print?: (line: string) => void;
  logger?: Logger;
  clock?: Clock;
  /** Override the configured sender (tests). */
  otpSender?: OtpSender;
  fetch?: typeof fetch;
}

export interface RunningServer {
  url: string;
  config: Config;
  app: ReturnType<typeof createApp>['app'];
  services: ReturnType<typeof createApp>['services'];
  outbox: DevOutbox | undefined;
  /** Resolves when background work (live-call redirects) has finished. */
  drain(): Promise<void>;
  /** Re-reads the policy folder; a bad folder leaves the running set in force. */
  reloadPolicies(): Promise<{ ok: boolean; errors: string[]; inForce: InForce[] }>;
  /** The policy set in force now. */
  policies(): PolicySet;
  close(): Promise<void>;
}

/** The screen to pull from: VoxEQ's API in pull mode, a simulator in development, else none (push only). */
function screenProvider(config: Config, clock: Clock, logger: Logger, fetchFn?: typeof fetch): ScreenProvider | undefined {
  const { apiUrl, apiKey, simulate } = config.voxeq;
  if (apiUrl && apiKey) return createVoxeqPullProvider({ baseUrl: apiUrl, apiKey, clock, logger, ...(fetchFn ? { fetch: fetchFn } : {}) });
  if (simulate) return createVoxeqSimulator({ default: simulate });
  return undefined;
}

export class StartupError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const print = opts.print ?? ((l: string) => console.log(l));
  // Read first: a misspelt NODE_ENV must not generate (and print) development secrets.
  const mode = readNodeEnv(opts.env);
  if (!mode.ok) throw new StartupError([mode.error]);
  const production = mode.production;
  // Development secrets live next to the database, generated once and kept across restarts.
  const dev = production ? undefined : loadOrCreateDevSecrets(devSecretsDir(opts.env));
  const loaded = loadConfig(opts.env, dev?.secrets);
  if (!loaded.ok) throw new StartupError(loaded.errors);
  const { config } = loaded;
  for (const w of loaded.warnings) print(`warning: ${w}`);
  if (dev?.created && loaded.usedDevSecrets.length) {
    print(`Generated development secrets (kept in ${dev.file}; shown once):`);
    for (const name of loaded.usedDevSecrets) print(`  ${name}=${dev.secrets[name]}`);
  }

  const stdout = opts.logger ? undefined : batchedStdout();
  const logger = opts.logger ?? jsonLogger((line) => stdout!.write(line));
  const clock = opts.clock ?? systemClock;
  const sqlite = openSqlite(config.db);
  const policyStore = createPolicyStore(sqlite.db);
  // A version another process recorded after this one loaded (a call it created, now served here).
  const byVersion = sqlite.sqlite.prepare<[string, number], { content: string }>(
    'SELECT content FROM policy_versions WHERE policy_id = ? AND version = ?',
  );
  const lookup = (id: string, version: number) => {
    const row = byVersion.get(id, version);
    return row ? policyFromContent(row.content) : undefined;
  };
  let policies: PolicySet;
  try {
    const first = await loadPinnedPolicies(config.policyDir, policyStore, undefined, clock.now(), logger, lookup);
    if (!first.set) throw new StartupError(first.errors.map(formatPolicyError));
    policies = first.set;
  } catch (err) {
    sqlite.close();
    throw err;
  }

  // Before the first request: a transfer a dead process left pending gets a terminal outcome,
  // so its retry answers that instead of `in_progress`. No live unit can own a pending row (a unit
  // commits settled or not at all); one left by the earlier four-commit code may have moved part
  // of its money, so each is logged by id for an operator to reconcile.
  for (const t of await createLedgerStore(sqlite.db).recoverInterrupted()) {
    logger.warn('ledger_transfer_interrupted', { transfer_id: t.id, amount_cents: t.amountCents });
  }
  const keys = await createKeys(config.secrets.key);
  const outbox = config.devOutbox ? new DevOutbox() : undefined;
  const otpSender = opts.otpSender ?? createOtpSender(config, { clock, outbox, ...(opts.fetch ? { fetch: opts.fetch } : {}) });

  const { accountSid, authToken, apiBaseUrl } = config.twilio;
  const twilio =
    accountSid && authToken
      ? {
          authToken,
          redirector: createTwilioCallRedirector({ accountSid, authToken, apiBaseUrl, ...(opts.fetch ? { fetch: opts.fetch } : {}) }),
        }
      : undefined;

  // Web Push, FCM and APNs for push approvals, each when configured (else devices use the pull channel).
  const apns = config.apns ? http2Transport() : undefined;
  let pushSender;
  try {
    pushSender = await pushSenderFromConfig(config, { ...(opts.fetch ? { fetch: opts.fetch } : {}), ...(apns ? { apnsTransport: apns.send } : {}) });
  } catch (err) {
    sqlite.close();
    throw err instanceof PushConfigError ? new StartupError(err.lines) : err;
  }
  const { app, services, drain, periodic, stopTimers } = createApp({
    db: sqlite.db,
    pushSender,
    twilio,
    publicUrl: config.publicUrl,
    twilioHandlers: { successUrl: config.twilio.successUrl, failureUrl: config.twilio.failureUrl },
    clientAddress: (c) => getConnInfo(c).remote.address ?? 'unknown',
    screen: { webhookSecret: config.voxeq.webhookSecret, provider: screenProvider(config, clock, logger, opts.fetch) },
    hostSessionSecret: config.hostSession.secret,
    elevenlabs: { webhookSecret: config.elevenlabs.webhookSecret },
    secrets: config.secrets,
    keys,
    policies: () => policies,
    otpSender,
    outbox,
    clock,
    logger,
    fault: killAtFault(config.fault),
  });

  const server: ServerType = await new Promise((ready) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => ready(s));
  });
  const port = (server.address() as AddressInfo).port;
  // Each periodic task of the app: counter sweeps, and the expiry sweeps behind the call timers
  // (in-process, so a restart loses them: the sweep times out what they would have).
  const timers = periodic.map((task) => {
    const timer = setInterval(() => {
      task.run(services).catch((err: unknown) => logger.error(`${task.name}_failed`, { error: (err as Error).name }));
    }, task.everyMs);
    timer.unref();
    return timer;
  });
  // Retention: once at start (a server restarted more often than hourly still purges), then
  // hourly; one run at a time, and shutdown stops it between batches.
  let stopping = false;
  let purging: Promise<unknown> | undefined;
  const purge = () => {
    purging ??= purgeRetired(services, config.retentionDays, { stop: () => stopping })
      .catch((err: unknown) => logger.error('retention_purge_failed', { error: (err as Error).name }))
      .finally(() => (purging = undefined));
  };
  purge();
  const purger = setInterval(purge, HOUR_MS);
  purger.unref();
  const url = hostUrl(config.host, port);

  return {
    url,
    config,
    app,
    services,
    outbox,
    async reloadPolicies() {
      const next = await loadPinnedPolicies(config.policyDir, policyStore, policies, clock.now(), logger);
      const errors = next.errors.map(formatPolicyError);
      if (errors.length === 0 && next.set) policies = next.set;
      return { ok: errors.length === 0, errors, inForce: policies.inForce() };
    },
    policies: () => policies,
    drain,
    close: () =>
      new Promise<void>((done) => {
        for (const timer of timers) clearInterval(timer);
        clearInterval(purger);
        apns?.close();
        stopTimers();
        stopping = true;
        server.close(() => {
          void Promise.all([drain(), purging]).finally(() => {
            sqlite.close();
            stdout?.flush();
            done();
          });
        });
        // Long-polls and keep-alive sockets must not hold a shutdown open.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

/**
 * The policy folder, checked against every version recorded in the database, then recorded: a
 * version known to any process (or an earlier run) keeps its rules, and a file that changed them
 * without a new version number is refused. Versions only ever accumulate.
 */
async function loadPinnedPolicies(
  dir: string,
  store: PolicyStore,
  previous: PolicySet | undefined,
  now: number,
  logger: Logger,
  lookup?: VersionLookup,
): Promise<{ set: PolicySet | undefined; errors: PolicyError[] }> {
  const recorded: Policy[] = [];
  for (const row of await store.all()) {
    const p = policyFromContent(row.content);
    // A row this code can no longer read stays unknown: its calls fail closed (a human).
    if (p && p.id === row.policyId && p.version === row.version) recorded.push(p);
    else logger.error('policy_version_unreadable', { policy: { id: row.policyId, version: row.version } });
  }
  const next = reloadPolicySet(dir, previous, recorded, lookup ? { lookup } : {});
  if (!next.set || next.errors.length > 0) return next;
  const errors: PolicyError[] = [];
  for (const p of next.set.list()) {
    const content = policyContent(p);
    const stored = await store.record(p.id, p.version, content, now);
    // Another process recorded this version with other rules between our read and our write.
    const winner = stored === content ? undefined : policyFromContent(stored);
    if (stored !== content && (!winner || policyContent(winner) !== content)) {
      errors.push(versionConflictError(next.set.inForce().find((f) => f.id === p.id)?.file ?? dir, p, next.set.known()));
    }
  }
  return errors.length > 0 ? { set: previous, errors } : next;
}
