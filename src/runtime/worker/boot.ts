// One callgate per isolate: config from the bindings (the same loadConfig as Node), D1 through
// drizzle, policies pinned in D1, the Durable Object waker, timers and rate limiter. Built on the
// first request (or cron run, or alarm) and reused while the isolate lives.
import { drizzle } from 'drizzle-orm/d1';
import { createApp } from '../../app.js';
import { loadConfig, type Config } from '../../config.js';
import { createKeys } from '../../crypto/keys.js';
import { jsonLogger, systemClock, type Clock, type Logger } from '../../kernel/ports.js';
import { pushSenderFromConfig, PushConfigError } from '../../factors/push/delivery/from-config.js';
import { formatPolicyError } from '../../policy/index.js';
import { createOtpSender, DevOutbox } from '../../providers/otp/index.js';
import { createTwilioCallRedirector } from '../../providers/twilio/calls.js';
import { createVoxeqPullProvider } from '../../providers/voxeq/pull.js';
import { createVoxeqSimulator } from '../../providers/voxeq/simulator.js';
import type { ScreenProvider } from '../../providers/voxeq/types.js';
import type { Db } from '../../store/db.js';
import * as schema from '../../store/schema/index.js';
import { configEnv, type WorkerEnv } from './env.js';
import { BUNDLED_POLICY_FILES } from './policy-files.js';
import { pinPolicies, PolicyFilesError, type PinnedPolicies } from './policies.js';
import { createDurableRateLimiter } from './rate-limit.js';
import { createWorkerTimers } from './timers.js';
import { createWorkerWaker, type WorkerWaker } from './waker.js';

export interface WorkerRuntime {
  config: Config;
  db: Db;
  app: ReturnType<typeof createApp>['app'];
  services: ReturnType<typeof createApp>['services'];
  /** The app's periodic work (each factor's sweeps, counter clean-up), run from the crons. */
  periodic: ReturnType<typeof createApp>['periodic'];
  /** Runs a due timer's handler (a call's CallObject, from its alarm). */
  runTimer: ReturnType<typeof createApp>['runTimer'];
  policies: PinnedPolicies;
  waker: WorkerWaker;
  logger: Logger;
  /** Resolves when this isolate's background work (redirects), wakes and timers are sent. */
  settle(): Promise<void>;
}

/** Start-up refused: one line per problem, each naming its variable or file (never a secret's value). */
export class WorkerStartupError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

export const APNS_REFUSED =
  'CALLGATE_APNS_KEY: APNs is not available on Cloudflare Workers (APNs accepts only HTTP/2, which a worker\'s fetch is not ' +
  'documented to speak); unset the CALLGATE_APNS_* variables and reach iOS through FCM (CALLGATE_FCM_SERVICE_ACCOUNT) or Web Push';

function screenProvider(config: Config, clock: Clock, logger: Logger): ScreenProvider | undefined {
  const { apiUrl, apiKey, simulate } = config.voxeq;
  if (apiUrl && apiKey) return createVoxeqPullProvider({ baseUrl: apiUrl, apiKey, clock, logger });
  if (simulate) return createVoxeqSimulator({ default: simulate });
  return undefined;
}

function policyFiles(env: WorkerEnv): Record<string, string> {
  if (typeof env.POLICY_FILES !== 'string') return { ...BUNDLED_POLICY_FILES };
  const parsed: unknown = JSON.parse(env.POLICY_FILES);
  if (typeof parsed !== 'object' || parsed === null || Object.values(parsed).some((v) => typeof v !== 'string'))
    throw new WorkerStartupError(['POLICY_FILES: expected a JSON object of file name → YAML text']);
  return parsed as Record<string, string>;
}

export async function bootWorker(env: WorkerEnv, clock: Clock = systemClock): Promise<WorkerRuntime> {
  const loaded = loadConfig(configEnv(env));
  if (!loaded.ok) throw new WorkerStartupError(loaded.errors);
  const { config } = loaded;
  // A worker has no process to kill: the crash tests' hook belongs to the Node runtime.
  if (config.fault) throw new WorkerStartupError(['CALLGATE_FAULT: fault injection exists only on the Node runtime']);
  // APNs accepts HTTP/2 only; Cloudflare does not document fetch() speaking it to an origin, and
  // the local runtime speaks HTTP/1.1: refused rather than pushes that never arrive (docs/cloudflare.md).
  if (config.apns) throw new WorkerStartupError([APNS_REFUSED]);
  const pushSender = await pushSenderFromConfig(config).catch((err: unknown) => {
    throw err instanceof PushConfigError ? new WorkerStartupError(err.lines) : err;
  });
  const logger = jsonLogger();
  for (const w of loaded.warnings) logger.warn('config_warning', { warning: w });
  const db = drizzle(env.DB, { schema }) as unknown as Db;
  let policies: PinnedPolicies;
  try {
    policies = await pinPolicies(db, policyFiles(env), clock.now(), logger);
  } catch (err) {
    if (err instanceof PolicyFilesError) throw new WorkerStartupError(err.errors.map(formatPolicyError));
    throw err;
  }
  const keys = await createKeys(config.secrets.key);
  const outbox = config.devOutbox ? new DevOutbox() : undefined;
  const waker = createWorkerWaker(env.CALLS, logger);
  const timers = createWorkerTimers(env.CALLS, logger);
  const { accountSid, authToken, apiBaseUrl } = config.twilio;
  const { app, services, drain, periodic, runTimer } = createApp({
    db,
    pushSender,
    twilio: accountSid && authToken ? { authToken, redirector: createTwilioCallRedirector({ accountSid, authToken, apiBaseUrl }) } : undefined,
    publicUrl: config.publicUrl,
    twilioHandlers: { successUrl: config.twilio.successUrl, failureUrl: config.twilio.failureUrl },
    // Set by Cloudflare's edge on every request; a client cannot forge it through the edge.
    clientAddress: (c) => c.req.header('cf-connecting-ip') ?? 'unknown',
    screen: { webhookSecret: config.voxeq.webhookSecret, provider: screenProvider(config, clock, logger) },
    hostSessionSecret: config.hostSession.secret,
    elevenlabs: { webhookSecret: config.elevenlabs.webhookSecret },
    secrets: config.secrets,
    keys,
    policies: () => policies.set,
    otpSender: createOtpSender(config, { clock, outbox }),
    outbox,
    waker,
    // The call's object runs its due timers (its alarm calls runTimer): nothing to run here.
    timers: () => timers,
    rateLimiter: createDurableRateLimiter(env.LIMITS),
    clock,
    logger,
  });
  const settle = async () => {
    await drain();
    await Promise.all([waker.settled(), timers.settled()]);
  };
  return { config, db, app, services, periodic, runTimer, policies, waker, logger, settle };
}

let current: Promise<WorkerRuntime> | undefined;

/** This isolate's runtime; a failed start is retried on the next request (a secret may be set since). */
export function workerRuntime(env: WorkerEnv): Promise<WorkerRuntime> {
  current ??= bootWorker(env).catch((err: unknown) => {
    current = undefined;
    throw err;
  });
  return current;
}
