import { z } from 'zod';
import { defineFactor, lenientNumber, optional, type Services } from '../../kernel/index.js';
import type { CallRow } from '../../store/schema/calls.js';
import { holdForConfirmation } from './hold.js';
import { offerDid } from './offer.js';
import { DID_REASONS } from './reasons.js';
import { appRoutes } from './routes/app.js';
import { deviceRoutes } from './routes/devices.js';
import { ivrRoutes } from './routes/ivr.js';
import { twilioRoutes } from './routes/twilio.js';
import { cancelSession, DID_TTL, expireIfDue, sweepExpired } from './sessions.js';
import { didCancel, didIssue, didWait, MAX_WAIT_SECONDS } from './steps.js';

/** The safety-net sweep's period: the timers are on time, the sweep catches what they lost. */
const SWEEP_EVERY_MS = 10_000;

/** A pending DID would only keep an IVR polling once its call closed or changed hands: cancel it. */
async function cancelPending(s: Services, call: CallRow) {
  for (const session of await s.did.pendingForCall(call.id)) await cancelSession(s, session);
}

/**
 * The Dynamic Identifier: a number the agent (or IVR) speaks, confirmed in the caller's phone app
 * with its device-bound key, bound to the live call; a confirmed Twilio call is redirected at once.
 */
export const didFactor = defineFactor({
  id: 'did',
  fields: {
    wait_seconds: optional(lenientNumber(z.number().int().min(1).max(MAX_WAIT_SECONDS))).describe(
      `did_wait only: how many seconds to wait for the app confirmation, 1 to ${MAX_WAIT_SECONDS} (15 is a good value).`,
    ),
  },
  guide:
    'did_issue: get a verification number for the caller to confirm in their mobile app; did_wait: wait for that confirmation; ' +
    'did_cancel: the caller gives up on the app.',
  actions: {
    did_issue: { starts: 'did', run: (ctx) => didIssue(ctx), followUp: (_r, result) => (result.success ? { step: 'did_wait' } : undefined) },
    did_wait: {
      hold: holdForConfirmation,
      run: (ctx) => didWait(ctx),
      followUp: (_r, result) => (result.reason === 'pending' ? { step: 'did_wait' } : undefined),
    },
    did_cancel: { run: (ctx) => didCancel(ctx) },
  },
  proves: { did: { family: 'did', offer: offerDid } },
  reasons: DID_REASONS,
  onClose: (s, call) => cancelPending(s, call),
  voidIssued: (s, call) => cancelPending(s, call),
  routes: (ctx) => [
    { path: '/app', scope: 'public', routes: appRoutes(ctx.s) },
    { path: '/customers', scope: 'admin', routes: deviceRoutes(ctx.s) },
    { path: '/ivr/sessions', scope: 'ivr', routes: ivrRoutes(ctx) },
    ...(ctx.twilio ? [{ path: '/ivr/twilio', scope: 'public' as const, routes: twilioRoutes(ctx.s, ctx.twilio) }] : []),
  ],
  // Sessions time out on time even when nobody polls them: a timer per session, and a sweep as
  // the safety net for timers lost with a process or an alarm that gave up.
  timers: { [DID_TTL]: expireIfDue },
  background: [{ name: 'did_sweep', everyMs: SWEEP_EVERY_MS, run: sweepExpired }],
  enrolment: 'a device public key on POST /admin/customers/{id}/devices (`npm run device -- enrol`)',
});
