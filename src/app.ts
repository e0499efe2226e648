import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { createAudit } from './audit/audit.js';
import type { Keys } from './crypto/keys.js';
import { cryptoRandom, type RandomSource } from './crypto/random.js';
import { jsonLogger, systemClock, type Clock, type Logger } from './deps.js';
import { adminRoutes } from './http/admin.js';
import { bearer } from './http/bearer.js';
import { jsonError } from './http/errors.js';
import { initiationRoutes } from './http/initiation.js';
import { toolRoutes } from './http/tools.js';
import { createOrchestrator } from './orchestrator/orchestrator.js';
import type { Services } from './orchestrator/services.js';
import type { PolicySet } from './policy/index.js';
import type { DevOutbox, OtpSender } from './providers/otp/index.js';
import { createCallStore } from './store/calls.js';
import { createChallengeStore } from './store/challenges.js';
import { createCustomerStore } from './store/customers.js';
import type { Db } from './store/db.js';
import { createEventStore } from './store/events.js';
import { createLedgerStore } from './store/ledger.js';

export interface AppDeps {
  db: Db;
  secrets: { tool: string; ivr: string; admin: string };
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
}

/** Builds the whole service from its dependencies; the same app runs on Node and on Workers. */
export function createApp(deps: AppDeps) {
  const logger = deps.logger ?? jsonLogger();
  const events = createEventStore(deps.db);
  const services: Services = {
    calls: createCallStore(deps.db),
    customers: createCustomerStore(deps.db),
    challenges: createChallengeStore(deps.db),
    events,
    audit: createAudit(events, logger),
    keys: deps.keys,
    random: deps.random ?? cryptoRandom,
    clock: deps.clock ?? systemClock,
    logger,
    otpSender: deps.otpSender,
    policies: deps.policies,
  };
  const ledger = createLedgerStore(deps.db);
  const orchestrate = createOrchestrator(services);

  const app = new Hono();
  app.use(secureHeaders());
  app.use(
    bodyLimit({
      maxSize: deps.maxBodyBytes ?? 32 * 1024,
      onError: (c) => jsonError(c, 413, 'payload_too_large'),
    }),
  );

  app.get('/healthz', (c) => c.json({ ok: true }));

  // ElevenLabs-facing: the initiation webhook and the tools (CONTRACT §2).
  app.use('/elevenlabs/*', bearer(deps.secrets.tool, 'elevenlabs'));
  app.route('/elevenlabs', initiationRoutes(services));
  app.use('/tools/*', bearer(deps.secrets.tool, 'tools'));
  app.route('/tools', toolRoutes(services, orchestrate, deps.db, ledger));

  // Operators (CONTRACT §5).
  app.use('/admin/*', bearer(deps.secrets.admin, 'admin'));
  app.route('/admin', adminRoutes(services, deps.outbox));

  app.notFound((c) => jsonError(c, 404, 'not_found'));
  app.onError((err, c) => {
    // A bug or an outage, never the client's input. Log the kind, not the message: driver
    // errors can carry bound parameters.
    logger.error('internal_error', { path: c.req.path, error: err.name });
    return jsonError(c, 500, 'internal_error');
  });

  return { app, services };
}
