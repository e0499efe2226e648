import { defineFactor } from '../../kernel/index.js';
import { SCREEN_REASONS } from './reasons.js';
import { voxeqRoutes } from './routes.js';
import { checkScreenDeadline, SCREEN_DEADLINE, screenDeadlineDue, screenStep, startScreenClock } from './screen.js';

/**
 * The passive fraud screen (VoxEQ Verify): results pushed signed or pulled, each a set of risk
 * signals for the policy. A signal, never a factor: a clear screen proves nobody.
 */
export const screenFactor = defineFactor({
  id: 'screen',
  fields: {},
  guide: 'screen: check the fraud screen result.',
  actions: { screen: { run: (ctx) => screenStep(ctx) } },
  proves: {},
  reasons: SCREEN_REASONS,
  // A screen that has not answered in time is screen_unavailable before anything else is decided:
  // checked by every request, and applied by the call's timer when no request comes.
  before: ({ s, call, policy, now }) => checkScreenDeadline(s, call, policy, now),
  onOpen: (s, call, policy) => startScreenClock(s, call, policy),
  timers: { [SCREEN_DEADLINE]: screenDeadlineDue },
  routes: (ctx) => [{ path: '/voxeq', scope: 'public', routes: voxeqRoutes(ctx.s, ctx.screenWebhookSecret) }],
});
