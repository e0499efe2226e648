import { defineFactor, type Services } from '../../kernel/index.js';
import type { CallRow } from '../../store/schema/calls.js';
import { cancelChallenge, expireIfDue, PUSH_TTL, sweepExpired } from './challenge.js';
import { holdForApproval } from './hold.js';
import { offerPush } from './offer.js';
import { PUSH_REASONS } from './reasons.js';
import { pushAppRoutes } from './routes/app.js';
import { pushCancel, pushSend, pushWait } from './steps.js';

/** A push the call can no longer use (it closed, or its claim moved): cancel it, so the app stops showing it. */
async function cancelPending(s: Services, call: CallRow, now: number) {
  const latest = await s.push.latestForCall(call.id);
  if (latest?.status === 'pending') await cancelChallenge(s, latest, now, 'call');
}

/**
 * Push approval on the caller's enrolled device, with number matching: the agent says two digits,
 * the app shows them among three choices, and only the right one signed by the device key
 * approves. "This wasn't me" blocks the call and pauses pushes to the customer.
 */
export const pushFactor = defineFactor({
  id: 'push',
  fields: {},
  guide:
    'push_send: send an approval request to the caller\'s phone app and say the number it returns (push_number); ' +
    'push_wait: wait for the approval (wait_seconds as for did_wait); push_cancel: the caller cannot use the app.',
  actions: {
    push_send: { starts: 'did', run: (ctx) => pushSend(ctx), followUp: (_r, result) => (result.success ? { step: 'push_wait' } : undefined) },
    push_wait: {
      hold: holdForApproval,
      run: (ctx) => pushWait(ctx),
      followUp: (_r, result) => (result.reason === 'pending' ? { step: 'push_wait' } : undefined),
    },
    push_cancel: { run: (ctx) => pushCancel(ctx) },
  },
  proves: { push: { family: 'did', offer: offerPush } },
  reasons: PUSH_REASONS,
  onClose: (s, call, now) => cancelPending(s, call, now),
  voidIssued: (s, call, now) => cancelPending(s, call, now),
  routes: (ctx) => [{ path: '/app/push', scope: 'public', routes: pushAppRoutes(ctx.s) }],
  // Pushes expire on time even when nobody polls them: a timer per push, and a sweep as the
  // safety net for timers lost with a process or an alarm that gave up.
  timers: { [PUSH_TTL]: expireIfDue },
  background: [{ name: 'push_expiry', everyMs: 10_000, run: sweepExpired }],
  enrolment: 'an enrolled device registers itself, signed by its key, on POST /app/push/register (`npm run device -- push-enrol`)',
});
