import { z } from 'zod';
import { definePolicySection, int } from '../../policy/section.js';

const screenSchema = z.strictObject({
  wait_seconds: int(1, 60).default(8).describe('how long to wait for the fraud screen before it is screen_unavailable'),
  on_unavailable: z
    .enum(['fail_closed', 'fail_open'])
    .default('fail_closed')
    .describe('fail_closed: screen_unavailable counts as a risk signal; fail_open: it is ignored'),
});

/** `factors.screen`: the passive fraud screen. It yields signals and proves no factor. */
export const screenPolicy = definePolicySection({ proves: [], sections: { screen: screenSchema } });
