import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { createSession, cancelSession, readSession, waitForSession } from '../sessions.js';
import type { Services } from '../../../kernel/index.js';
import { TWILIO_SIGNATURE_HEADER, TWILIO_SIGNATURE_SETTINGS_HEADER, twilioSignatureAlgorithm, validateTwilioRequest } from '../../../providers/twilio/signature.js';
import { gather, hangup, redirect, say, twiml, TWIML_CONTENT_TYPE } from '../../../providers/twilio/twiml.js';
import { DEFAULT_DID_LOCALE, prompts, resolveLocale, sayOptions } from '../prompts.js';
import type { DidSession } from '../store.js';
import { jsonError } from '../../../http/errors.js';

export interface TwilioRouteOptions {
  authToken: string;
  /** The public base URL Twilio calls (signatures are computed over it). */
  publicUrl: string;
  successUrl?: string | undefined;
  failureUrl?: string | undefined;
}

/** Bounded wait loop: after this many prompts without a confirmation the session is given up. */
const MAX_LOOPS = 6;
/** After "press 1", how long to hold for the confirmation to commit before prompting again. */
const HOLD_AFTER_DONE_MS = 3_000;

type Form = Record<string, string>;
type Env = { Variables: { form: Form } };

/**
 * X-Twilio-Signature over the public URL and the POSTed form, in constant time; then the
 * I-Twilio-Idempotency-Token: a retried webhook gets the answer the first delivery got.
 */
function twilioGuard(s: Services, opts: TwilioRouteOptions): MiddlewareHandler<Env> {
  return async (c, next) => {
    const parsed = await c.req.parseBody().catch(() => null);
    if (!parsed) return jsonError(c, 400, 'invalid_request', { errors: [{ field: 'body', message: 'a form-encoded body is required' }] });
    const form: Form = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') form[k] = v;
    // Path and query exactly as received: parsing the URL again would percent-encode what Twilio signed raw.
    const url = opts.publicUrl + rawPathAndQuery(c.req.url);
    const algorithm = twilioSignatureAlgorithm(c.req.header(TWILIO_SIGNATURE_SETTINGS_HEADER));
    if (!algorithm || !(await validateTwilioRequest(opts.authToken, url, form, c.req.header(TWILIO_SIGNATURE_HEADER), algorithm))) {
      return jsonError(c, 403, 'bad_signature');
    }
    c.set('form', form);
    const token = c.req.header('i-twilio-idempotency-token');
    if (token) {
      const seen = await s.receipts.get(token);
      if (seen) return c.body(seen.body, seen.status as 200, { 'content-type': seen.contentType });
    }
    await next();
    if (token && c.res.status < 500) {
      const body = await c.res.clone().text();
      await s.receipts.claim(token, s.clock.now(), { status: c.res.status, contentType: c.res.headers.get('content-type') ?? TWIML_CONTENT_TYPE, body });
    }
  };
}

/** Everything after scheme://authority, fragment dropped, untouched. */
function rawPathAndQuery(url: string): string {
  const rest = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
  const hash = rest.indexOf('#');
  return hash < 0 ? rest : rest.slice(0, hash);
}

/** The TwiML flow for a classic Twilio IVR: speak the DID, gather "1 when done / 0 to cancel", loop. */
export function twilioRoutes(s: Services, opts: TwilioRouteOptions) {
  const successUrl = opts.successUrl ?? `${opts.publicUrl}/ivr/twilio/success`;
  const failureUrl = opts.failureUrl ?? `${opts.publicUrl}/ivr/twilio/failure`;
  const waitUrl = (d: DidSession) => `${opts.publicUrl}/ivr/twilio/wait?session=${encodeURIComponent(d.id)}`;
  const xml = (c: Context, body: string) => c.body(body, 200, { 'content-type': TWIML_CONTENT_TYPE });
  /** The built-in handlers a finished call is redirected to: say how it went, hang up. */
  const final = (c: Context, key: 'verified' | 'failed') => {
    const locale = c.req.query('locale');
    return xml(c, twiml(say(prompts(locale, '')[key], sayOptions(locale)), hangup()));
  };
  // Twilio sends no language: the number's webhook URL carries it (…/ivr/twilio/verify?locale=es-US),
  // and the built-in handlers get it back so the caller hears one language throughout.
  const builtIn = new Set([`${opts.publicUrl}/ivr/twilio/success`, `${opts.publicUrl}/ivr/twilio/failure`]);
  const withLocale = (url: string, locale: string | undefined) =>
    locale && builtIn.has(url) && resolveLocale(locale) !== DEFAULT_DID_LOCALE ? `${url}?locale=${encodeURIComponent(resolveLocale(locale))}` : url;

  const prompt = (d: DidSession, first: boolean) => {
    const p = prompts(d.locale, d.did);
    const voice = sayOptions(d.locale);
    return twiml(
      gather({ action: waitUrl(d), numDigits: 1, timeout: 8 }, say(first ? p.speak : p.loop, voice), say(p.pressToConfirm, voice)),
      redirect(waitUrl(d)),
    );
  };
  const outcome = (d: DidSession | undefined) => {
    const voice = sayOptions(d?.locale);
    if (d?.status === 'confirmed') return twiml(redirect(withLocale(successUrl, d.locale)));
    if (d?.status === 'canceled') return twiml(say(prompts(d.locale, d.did).canceled, voice), redirect(withLocale(failureUrl, d.locale)));
    return twiml(redirect(withLocale(failureUrl, d?.locale)));
  };

  /** A new session for the call, or the next attempt after a timeout while retries remain. */
  async function issue(callSid: string, form: Form, locale: string | undefined) {
    const { policy, call } = await s.outcome.openCall({
      id: callSid,
      source: 'ivr',
      calledNumber: form.To ?? null,
      callerId: form.From ?? null,
      stirVerstat: form.StirVerstat,
      audit: { provider: 'twilio' },
      now: s.clock.now(),
    });
    return createSession(s, {
      provider: 'twilio',
      callRef: callSid,
      callId: callSid,
      customerId: call.customerId,
      policy,
      locale,
      dnis: form.To,
      ani: form.From,
      metadata: form.StirVerstat ? { stir_verstat: form.StirVerstat } : {},
      redirectUrl: withLocale(successUrl, locale),
    });
  }

  return new Hono<Env>()
    .use('*', twilioGuard(s, opts))
    .post('/verify', async (c) => {
      const form = c.get('form');
      const callSid = form.CallSid;
      if (!callSid) return jsonError(c, 400, 'invalid_request', { errors: [{ field: 'CallSid', message: 'required' }] });
      const result = await issue(callSid, form, c.req.query('locale'));
      if (!result.ok) return xml(c, outcome(result.session));
      return xml(c, prompt(result.session, true));
    })
    .post('/wait', async (c) => {
      const form = c.get('form');
      const stored = await s.did.get(c.req.query('session') ?? '');
      // The session must belong to the call asking about it.
      if (!stored || stored.provider !== 'twilio' || stored.callRef !== form.CallSid) return xml(c, outcome(undefined));
      let session = await readSession(s, stored);
      if (session.status === 'pending' && form.Digits === '0') session = await cancelSession(s, session);
      if (session.status === 'pending' && form.Digits === '1') {
        session = (await waitForSession(s, session.id, HOLD_AFTER_DONE_MS / 1000, c.req.raw.signal)) ?? session;
      }
      if (session.status === 'timeout') {
        // The next attempt while retries remain (or a newer one already pending for this call).
        const again = await issue(session.callRef, form, session.locale);
        if (again.ok) return xml(c, prompt(again.session, again.created));
        return xml(c, outcome(session));
      }
      if (session.status !== 'pending') return xml(c, outcome(session));
      const loops = await s.events.countForSession(session.callId, 'loop_iteration', session.id);
      if (loops >= MAX_LOOPS) return xml(c, outcome(await cancelSession(s, session)));
      await s.audit.record(session.callId, 'loop_iteration', s.clock.now(), { session_id: session.id, iteration: loops + 1, digits: form.Digits ?? null });
      return xml(c, prompt(session, false));
    })
    .post('/success', (c) => final(c, 'verified'))
    .post('/failure', (c) => final(c, 'failed'));
}
