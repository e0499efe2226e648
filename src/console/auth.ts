import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Services } from '../kernel/index.js';
import { h, type Html } from './html.js';
import { page, sendPage } from './layout.js';
import { SESSION_IDLE_MS, type ConsoleSession, type SessionKeys } from './session.js';

// Sign-in, sign-out, and the gate in front of every other console route: a valid session cookie,
// and on every POST the same origin and the session's CSRF token.

export const COOKIE = 'callgate_console';
const SIGN_IN_LIMIT = { count: 10, windowMs: 60_000 };
const MAX_TOKEN_CHARS = 512;

export interface ConsoleEnv {
  Variables: { consoleSession: ConsoleSession; csrf: string };
}

export interface AuthSetup {
  s: Services;
  keys: Promise<SessionKeys>;
  publicUrl?: string | undefined;
  clientAddress: (c: Context) => string;
}

/** https as the browser sees it: the request itself, a TLS-terminating proxy's header, or the public URL's host. */
function isHttps(c: Context, publicUrl: string | undefined): boolean {
  const url = new URL(c.req.url);
  if (url.protocol === 'https:') return true;
  if (c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https') return true;
  return publicUrl !== undefined && publicUrl.startsWith('https:') && new URL(publicUrl).host === c.req.header('host');
}

/**
 * A form post from the console's own pages. A browser sends Origin on every POST; one from another
 * site is refused whatever else it carries. Without Origin (not a browser), Sec-Fetch-Site must not
 * say cross-site; the session's CSRF token is checked besides.
 */
export function sameOrigin(c: Context, publicUrl: string | undefined): boolean {
  const origin = c.req.header('origin');
  if (origin === undefined) {
    const site = c.req.header('sec-fetch-site');
    return site === undefined || site === 'same-origin';
  }
  const allowed = new Set([new URL(c.req.url).origin]);
  if (publicUrl) allowed.add(new URL(publicUrl).origin);
  const host = c.req.header('host') ?? new URL(c.req.url).host;
  const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim();
  if (proto) allowed.add(`${proto}://${host}`);
  return allowed.has(origin);
}

function setSessionCookie(c: Context, value: string, publicUrl: string | undefined) {
  setCookie(c, COOKIE, value, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: isHttps(c, publicUrl),
    path: '/console',
    maxAge: Math.floor(SESSION_IDLE_MS / 1000),
  });
}

function signInPage(error?: string, notice?: string): Html {
  return page({
    title: 'Sign in',
    section: null,
    body: h`<section class="panel sign-in">
<h1>Sign in</h1>
${notice ? h`<p class="muted" id="notice">${notice}</p>` : ''}
${error ? h`<p class="error" role="alert" id="error">${error}</p>` : ''}
<form method="post" action="/console/sign-in" id="sign-in">
<label for="token">Admin token (CALLGATE_ADMIN_TOKEN)</label>
<input type="password" id="token" name="token" autocomplete="off" required autofocus>
<button type="submit">Sign in</button>
</form>
</section>`,
  });
}

const refusedPage = (title: string, text: string) => page({ title, section: null, body: h`<h1>${title}</h1><p class="error" role="alert">${text}</p>` });

async function formField(c: Context, name: string): Promise<string | undefined> {
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return undefined;
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const v = body[name];
  return typeof v === 'string' ? v : undefined;
}

export function signInRoutes(a: AuthSetup) {
  return {
    form: (c: Context) => sendPage(c, 200, signInPage(undefined, c.req.query('signed_out') === '1' ? 'Signed out.' : undefined)),

    async submit(c: Context) {
      const now = a.s.clock.now();
      if (!sameOrigin(c, a.publicUrl)) return sendPage(c, 403, refusedPage('Refused', 'This form may only be sent from the console itself.'));
      if (!(await a.s.rateLimit.take(`console:sign-in:${a.clientAddress(c)}`, SIGN_IN_LIMIT.count, SIGN_IN_LIMIT.windowMs, now))) {
        return sendPage(c, 429, signInPage('Too many sign-in attempts from this address: wait a minute.'));
      }
      const token = await formField(c, 'token');
      if (!token) return sendPage(c, 400, signInPage('token: enter the admin token.'));
      const keys = await a.keys;
      if (token.length > MAX_TOKEN_CHARS || !(await keys.tokenMatches(token))) {
        // Nothing of what was typed is logged: it may be a real secret pasted in the wrong place.
        a.s.logger.warn('console_sign_in_failed', { client: a.clientAddress(c) });
        return sendPage(c, 401, signInPage('That is not the admin token.'));
      }
      const { session, cookie } = await keys.issue(now, a.s.random);
      setSessionCookie(c, cookie, a.publicUrl);
      a.s.logger.info('console_signed_in', { console_session: session.id, client: a.clientAddress(c) });
      return c.redirect('/console/calls', 303);
    },

    signOut(c: Context) {
      deleteCookie(c, COOKIE, { path: '/console', secure: isHttps(c, a.publicUrl), httpOnly: true, sameSite: 'Strict' });
      const session = (c as Context<ConsoleEnv>).get('consoleSession');
      a.s.logger.info('console_signed_out', { console_session: session.id });
      return c.redirect('/console/sign-in?signed_out=1', 303);
    },
  };
}

/** Fragments (the pages' refresh) answer 401 rather than a redirect: the script then goes to the sign-in page. */
const isFragment = (c: Context) => c.req.path.startsWith('/console/fragments/');

/** Every route behind it has a valid session; every POST also the same origin and the session's CSRF token. */
export function requireSession(a: AuthSetup): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const now = a.s.clock.now();
    const keys = await a.keys;
    const session = await keys.verify(getCookie(c, COOKIE), now);
    if (!session) {
      if (c.req.method === 'GET' && !isFragment(c)) return c.redirect('/console/sign-in', 303);
      return sendPage(c, 401, refusedPage('Signed out', 'Your console session has ended: sign in again.'));
    }
    if (c.req.method === 'POST') {
      if (!sameOrigin(c, a.publicUrl)) return sendPage(c, 403, refusedPage('Refused', 'This form may only be sent from the console itself.'));
      if (!(await keys.csrfMatches(session, await formField(c, '_csrf')))) {
        a.s.logger.warn('console_csrf_refused', { console_session: session.id, route: c.req.path });
        return sendPage(c, 403, refusedPage('Refused', 'The form was missing its anti-forgery token: reload the page and try again.'));
      }
    }
    // Opening a page (not a background refresh) keeps the session going, up to its maximum age.
    let current = session;
    if (c.req.method === 'GET' && !isFragment(c) && session.expiresAt - now < SESSION_IDLE_MS / 2) {
      const renewed = await keys.renew(session, now);
      current = renewed.session;
      setSessionCookie(c, renewed.cookie, a.publicUrl);
    }
    c.set('consoleSession', current);
    c.set('csrf', await keys.csrfToken(current));
    await next();
  };
}
