import { Hono, type Context } from 'hono';
import type { Keys } from '../crypto/keys.js';
import { issueOperatorDid } from '../factors/did/operator.js';
import type { Services } from '../kernel/index.js';
import type { Db } from '../store/db.js';
import { assetRoutes } from './assets.js';
import { requireSession, signInRoutes, type AuthSetup, type ConsoleEnv } from './auth.js';
import { callFragment, callPage } from './call-page.js';
import { callsFragment, callsPage } from './calls-page.js';
import { REFUSALS } from './did-panel.js';
import { h, seg } from './html.js';
import { page, securityHeaders, sendPage, type Section } from './layout.js';
import { metricsFragment, metricsPage } from './metrics-page.js';
import { WINDOWS, type WindowName } from './metrics-window.js';
import { parseScenario, policiesPage } from './policies-page.js';
import { createSessionKeys } from './session.js';

// GET /console: the operator console (docs/console.md). Server-rendered HTML, one small script for
// the live regions, no third-party asset; runs wherever the app runs (Node or Workers).

export interface ConsoleDeps {
  db: Db;
  keys: Keys;
  secrets: { admin: string };
  publicUrl?: string | undefined;
  clientAddress?: ((c: Context) => string) | undefined;
}

/** Issuing DIDs is a write a person triggers: a generous limit per session still stops a stuck key or a script. */
const DID_ISSUE_LIMIT = { count: 30, windowMs: 60_000 };

export function consoleRoutes(s: Services, deps: ConsoleDeps) {
  const a: AuthSetup = {
    s,
    keys: createSessionKeys(deps.keys, deps.secrets.admin),
    publicUrl: deps.publicUrl,
    clientAddress: deps.clientAddress ?? (() => 'unknown'),
  };
  const auth = signInRoutes(a);
  const shell = (c: Context<ConsoleEnv>, title: string, section: Section, body: ReturnType<typeof h>) =>
    page({ title, section, csrf: c.get('csrf'), body });
  const notFound = (c: Context<ConsoleEnv>, what: string) =>
    sendPage(c, 404, shell(c, 'Not found', null, h`<h1>Not found</h1><p class="error">${what}</p><p><a href="/console/calls">all calls</a></p>`));
  const fragment = (c: Context, body: ReturnType<typeof h>) => {
    securityHeaders(c);
    return c.html(body);
  };
  const windowOf = (c: Context): WindowName | undefined => {
    const w = c.req.query('window') ?? 'hour';
    return w in WINDOWS ? (w as WindowName) : undefined;
  };
  const badWindow = (c: Context<ConsoleEnv>) =>
    sendPage(c, 400, shell(c, 'Metrics', 'metrics', h`<h1>Metrics</h1><p class="error" role="alert">window: one of ${Object.keys(WINDOWS).join(', ')}</p>`));

  const app = new Hono<ConsoleEnv>();
  // Set before the handler runs, so every answer gets them (Hono merges them into the response).
  app.use(async (c, next) => {
    securityHeaders(c);
    await next();
  });
  app.route('/assets', assetRoutes());
  app.get('/sign-in', auth.form);
  app.post('/sign-in', auth.submit);
  app.use(requireSession(a));

  app.post('/sign-out', auth.signOut);
  app.get('/', (c) => c.redirect('/console/calls', 303));

  app.get('/calls', async (c) => sendPage(c, 200, shell(c, 'Calls', 'calls', await callsPage(s, deps.db))));
  app.get('/fragments/calls', async (c) => fragment(c, await callsFragment(s, deps.db)));

  app.get('/calls/:id', async (c) => {
    const call = await s.calls.get(c.req.param('id'));
    if (!call) return notFound(c, 'No call with this id (it may have been purged by retention).');
    return sendPage(c, 200, shell(c, `Call ${call.id}`, 'calls', await callPage(s, call, c.get('csrf'))));
  });
  app.get('/fragments/calls/:id', async (c) => {
    const call = await s.calls.get(c.req.param('id'));
    if (!call) return c.html(h`<p class="error">No such call.</p>`, 404);
    return fragment(c, await callFragment(s, call, c.get('csrf')));
  });
  app.post('/calls/:id/did', async (c) => {
    const id = c.req.param('id');
    const session = c.get('consoleSession');
    if (!(await s.rateLimit.take(`console:did:${session.id}`, DID_ISSUE_LIMIT.count, DID_ISSUE_LIMIT.windowMs, s.clock.now()))) {
      return sendPage(c, 429, shell(c, 'Slow down', 'calls', h`<h1>Slow down</h1><p class="error" role="alert">Too many DIDs issued from this session in a minute.</p>`));
    }
    const result = await issueOperatorDid(s, id, { consoleSession: session.id });
    if (result.ok) return c.redirect(`/console/calls/${seg(id)}`, 303);
    const call = await s.calls.get(id);
    if (!call) return notFound(c, REFUSALS.unknown_call);
    return sendPage(c, 409, shell(c, `Call ${call.id}`, 'calls', await callPage(s, call, c.get('csrf'), REFUSALS[result.reason])));
  });

  app.get('/metrics', async (c) => {
    const w = windowOf(c);
    if (!w) return badWindow(c);
    return sendPage(c, 200, shell(c, 'Metrics', 'metrics', await metricsPage(deps.db, w, s.clock.now())));
  });
  app.get('/fragments/metrics', async (c) => {
    const w = windowOf(c);
    if (!w) return c.html(h`<p class="error">window: one of ${Object.keys(WINDOWS).join(', ')}</p>`, 400);
    return fragment(c, await metricsFragment(deps.db, w, s.clock.now()));
  });

  app.get('/policies', (c) => {
    const set = s.policies();
    const parsed = parseScenario(c.req.queries(), set);
    if (!parsed.ok) return sendPage(c, 400, shell(c, 'Policies', 'policies', policiesPage(set, undefined, s.clock.now(), parsed.errors)));
    return sendPage(c, 200, shell(c, 'Policies', 'policies', policiesPage(set, parsed.value, s.clock.now())));
  });
  return app;
}
