import { Hono, type Context } from 'hono';
import { createAudit } from './audit/audit.js';
import type { Keys } from './crypto/keys.js';
import { cryptoRandom, type RandomSource } from './crypto/random.js';
import { jsonLogger, systemClock, type Clock, type Logger, type PushSender } from './kernel/ports.js';
import { adminRoutes } from './http/admin.js';
import { accountRoutes } from './http/admin-accounts.js';
import { bearer } from './http/bearer.js';
import { bodyLimit } from './http/body-limit.js';
import { jsonError } from './http/errors.js';
import { logRequest } from './http/access-log.js';
import { metricsRoutes } from './http/metrics.js';
import { initiationRoutes } from './http/initiation.js';
import { postCallRoutes } from './http/post-call.js';
import { toolRoutes } from './http/tools.js';
import { createHostSessionVerifier } from './factors/host-session/verifier.js';
import { openApiRoutes } from './openapi/route.js';
import { consoleRoutes } from './console/index.js';
import type { ScreenProvider } from './providers/voxeq/types.js';
import { createOrchestrator } from './orchestrator/orchestrator.js';
import type { BackgroundTask, Outcomes, RouteContext, Services } from './kernel/index.js';
import { factorModules, TIMER_HANDLERS } from './factors/registry.js';
import { createOutcomes } from './orchestrator/outcomes.js';
import type { OrchestratorRequest } from './orchestrator/actions.js';
import type { PolicySet } from './policy/index.js';
import type { DevOutbox, OtpSender } from './providers/otp/index.js';
import { createCallStore } from './store/calls.js';
import { createChallengeStore } from './factors/otp/store.js';
import { createCustomerStore } from './store/customers.js';
import type { Db } from './store/db.js';
import { createEventStore } from './store/events.js';
import { createLedgerStore } from './store/ledger.js';
import { createDidStore } from './factors/did/store.js';
import { createPushStore } from './factors/push/store.js';
import { createReceiptStore } from './store/receipts.js';
import { createRetentionStore } from './store/retention.js';
import { COUNTER_RETENTION_MS, createBudgetStore, createCounterStore } from './store/budgets.js';

const HOUR_MS = 3_600_000;
import { createLocalWaker, type Waker } from './kernel/waker.js';
import { createLocalTimers, type LocalTimers, type RunTimer, type Timers } from './kernel/timers.js';
import { createMemoryRateLimiter, type RateLimiter } from './kernel/rate-limit.js';
import type { TwilioCallRedirector } from './providers/twilio/calls.js';
import type { FaultHook } from './fault.js';

export interface AppDeps {
  /** Twilio account used to redirect live calls and to check X-Twilio-Signature on the TwiML routes. */
  twilio?: { authToken: string; redirector: TwilioCallRedirector } | undefined;
  /** The service's public base URL (absolute TwiML URLs, Twilio signature checks). */
  publicUrl?: string;
  /** Where a confirmed TwiML-flow call is redirected, and where a failed one goes. */
  twilioHandlers?: { successUrl?: string | undefined; failureUrl?: string | undefined };
  waker?: Waker;
  /**
   * The call timers (kernel/timers.ts), given the function that runs a due one. Absent: in-process
   * timers on the app's clock (the Node server).
   */
  timers?: (run: RunTimer) => Timers;
  rateLimiter?: RateLimiter;
  /** The fraud screen: VOXEQ_WEBHOOK_SECRET for signed pushes, a provider to pull from, or both. */
  screen?: { webhookSecret?: string | undefined; provider?: ScreenProvider | undefined };
  /** ELEVENLABS_WEBHOOK_SECRET: verifies POST /elevenlabs/post-call (absent: 503 not_configured). */
  elevenlabs?: { webhookSecret?: string | undefined } | undefined;
  /** CALLGATE_HOST_SESSION_SECRET: verifies host-app session tokens. */
  hostSessionSecret?: string | undefined;
  /** The client's network address (runtime-specific: the socket on Node, CF-Connecting-IP on Workers). */
  clientAddress?: (c: Context) => string;
  db: Db;
  /** Web Push (and FCM, APNs) delivery for push approvals; absent, devices use the pull channel. */
  pushSender?: PushSender | undefined;
  /** `metrics`: CALLGATE_METRICS_TOKEN, a scrape-only bearer for GET /metrics (the admin token works too). */
  secrets: { tool: string; ivr: string; admin: string; metrics?: string | undefined };
  keys: Keys;
  /** The current policy set (a reload swaps what this returns). */
  policies: () => PolicySet;
  otpSender: OtpSender;
  /** Present only in development with console delivery: enables GET /admin/outbox. */
  outbox?: DevOutbox;
  clock?: Clock;
  random?: RandomSource;
  logger?: Logger;
  /** Largest accepted request body; tool calls are small. */
  maxBodyBytes?: number;
  /** Crash tests only (CALLGATE_FAULT): reached at each step boundary of a transfer. */
  fault?: FaultHook | undefined;
}

/** Builds the whole service from its dependencies; the same app runs on Node and on Workers. */
export function createApp(deps: AppDeps) {
  const logger = deps.logger ?? jsonLogger();
  const events = createEventStore(deps.db);
  const tasks = new Set<Promise<unknown>>();
  const clock = deps.clock ?? systemClock;
  let localTimers: LocalTimers | undefined;
  /** A due timer: its kind's handler, with the services, at the clock's now. */
  const runTimer: RunTimer = async (kind, ref) => {
    const handler = TIMER_HANDLERS.get(kind);
    if (!handler) return logger.warn('timer_unknown_kind', { kind });
    await handler(services, ref, clock.now());
  };
  const services: Services = {
    calls: createCallStore(deps.db),
    customers: createCustomerStore(deps.db),
    challenges: createChallengeStore(deps.db),
    events,
    audit: createAudit(events, logger),
    keys: deps.keys,
    random: deps.random ?? cryptoRandom,
    clock,
    logger,
    otpSender: deps.otpSender,
    did: createDidStore(deps.db),
    push: createPushStore(deps.db),
    pushSender: deps.pushSender,
    budgets: createBudgetStore(deps.db),
    counters: createCounterStore(deps.db),
    receipts: createReceiptStore(deps.db),
    retention: createRetentionStore(deps.db),
    waker: deps.waker ?? createLocalWaker(),
    timers: deps.timers ? deps.timers(runTimer) : (localTimers = createLocalTimers(clock, runTimer, logger)),
    redirector: deps.twilio?.redirector,
    rateLimit: deps.rateLimiter ?? createMemoryRateLimiter(),
    screen: { expected: Boolean(deps.screen?.webhookSecret || deps.screen?.provider), provider: deps.screen?.provider },
    hostSessions: createHostSessionVerifier(deps.hostSessionSecret, clock),
    background(task) {
      const tracked = task
        .catch((err: unknown) => logger.error('background_task_failed', { error: (err as Error).name }))
        .finally(() => tasks.delete(tracked));
      tasks.add(tracked);
    },
    policies: deps.policies,
    // Set just below: the orchestrator's side needs the services it is part of.
    outcome: undefined as unknown as Outcomes,
  };
  services.outcome = createOutcomes(services);
  const ledger = createLedgerStore(deps.db, deps.fault ? { fault: deps.fault } : {});
  const orchestrate = createOrchestrator(services);

  const app = new Hono();
  const tooLarge = (c: Context) => jsonError(c, 413, 'payload_too_large');
  // Tool calls are small; a post-call webhook carries a whole transcript (and ElevenLabs disables
  // a webhook that keeps failing), so it gets its own, larger limit.
  const smallBodies = bodyLimit(deps.maxBodyBytes ?? 32 * 1024, tooLarge);
  const transcripts = bodyLimit(8 * 1024 * 1024, tooLarge);
  // What every request gets, in one layer: each middleware layer holds a suspended frame per
  // request in flight (and a held long-poll is in flight for up to 20 s).
  app.use(async (c, next) => {
    const startedAt = performance.now();
    // A JSON API for machines: no sniffing, and never cache an answer about someone's identity.
    // Set before the handler runs; Hono merges them into whatever response it builds.
    c.header('x-content-type-options', 'nosniff');
    c.header('cache-control', 'no-store');
    const refused = await (c.req.path === '/elevenlabs/post-call' ? transcripts(c, next) : smallBodies(c, next));
    // The access log: one line per request, a 401, a 400 or a refused body included (the one
    // frame this layer holds while a request is in flight).
    logRequest(logger, c, startedAt, refused instanceof Response ? refused : c.res);
    return refused;
  });

  // Which rules new calls get now; the file's name only, not where it lives on the host.
  app.get('/healthz', (c) =>
    c.json({
      ok: true,
      policies: deps.policies().inForce().map((p) => ({ ...p, ...(p.file ? { file: p.file.split(/[\\/]/).pop() } : {}) })),
    }),
  );

  // The OpenAPI document of every route below: public, it holds no secret.
  app.route('/', openApiRoutes());

  // ElevenLabs-facing: the initiation webhook and the tools (docs/api.md).
  app.use('/elevenlabs/initiation', bearer(deps.secrets.tool, 'elevenlabs'));
  app.route('/elevenlabs', initiationRoutes(services));
  app.route('/elevenlabs', postCallRoutes(services, deps));
  app.use('/tools/*', bearer(deps.secrets.tool, 'tools'));
  app.route('/tools', toolRoutes(services, orchestrate, ledger));

  // Each factor's own routes (the phone app, IVR sessions, the TwiML flow, pushed screen results),
  // behind the bearer their scope names (docs/api.md, docs/ivr.md).
  const routeContext: RouteContext = {
    s: services,
    orchestrate: (req) => orchestrate(req as OrchestratorRequest),
    clientAddress: deps.clientAddress ?? (() => 'unknown'),
    screenWebhookSecret: deps.screen?.webhookSecret,
    twilio: deps.twilio && deps.publicUrl ? { authToken: deps.twilio.authToken, publicUrl: deps.publicUrl, ...deps.twilioHandlers } : undefined,
  };
  const ivrBearer = bearer(deps.secrets.ivr, 'ivr');
  const factorRoutes = factorModules().flatMap((m) => m.routes?.(routeContext) ?? []);
  for (const r of factorRoutes.filter((r) => r.scope !== 'admin')) {
    if (r.scope === 'ivr') app.use(r.path, ivrBearer).use(`${r.path}/*`, ivrBearer);
    app.route(r.path, r.routes);
  }
  if (!routeContext.twilio) app.all('/ivr/twilio/*', (c) => jsonError(c, 503, 'twilio_not_configured'));

  // Operators.
  app.use('/admin/*', bearer(deps.secrets.admin, 'admin'));
  app.route('/admin', adminRoutes(services, deps.outbox));
  app.route('/admin', accountRoutes(services, ledger));
  for (const r of factorRoutes.filter((r) => r.scope === 'admin')) app.route(`/admin${r.path}`, r.routes);
  app.route('/console', consoleRoutes(services, deps));
  app.route('/metrics', metricsRoutes(deps.db, services.clock, [deps.secrets.admin, ...(deps.secrets.metrics ? [deps.secrets.metrics] : [])]));

  app.notFound((c) => jsonError(c, 404, 'not_found'));
  app.onError((err, c) => {
    // A bug or an outage, never the client's input. Log the kind, not the message: driver
    // errors can carry bound parameters.
    logger.error('internal_error', { path: c.req.path, error: err.name });
    return jsonError(c, 500, 'internal_error');
  });

  /** Resolves once every background task (call redirects) has finished: tests and shutdown. */
  const drain = async () => {
    while (tasks.size) await Promise.all([...tasks]);
  };
  /**
   * Periodic work the runtime schedules (timers on Node, a Cron Trigger on Workers). A factor's
   * sweep is the safety net of its call timers: a restarted process has lost them, and an alarm
   * may give up after its retries.
   */
  const periodic: readonly BackgroundTask[] = [
    ...factorModules().flatMap((m) => m.background ?? []),
    // Durable counters whose longest possible window is over are dead weight.
    { name: 'counter_sweep', everyMs: HOUR_MS, run: (s) => s.counters.sweep(s.clock.now() - COUNTER_RETENTION_MS) },
  ];
  /** Shutdown: the in-process call timers stop (none to stop when the runtime gave its own). */
  const stopTimers = () => localTimers?.stop();
  return { app, services, drain, periodic, runTimer, stopTimers };
}
