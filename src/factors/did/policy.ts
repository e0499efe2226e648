import { z } from 'zod';
import { definePolicySection, int } from '../../policy/section.js';

const didSchema = z
  .strictObject({
    ttl_seconds: int(10, 600).default(60).describe('how long a spoken Dynamic Identifier stays valid'),
    max_retries: int(0, 10).default(3),
    late_confirmation: z.enum(['ignore', 'accept']).default('ignore'),
    late_window_seconds: int(0, 600).default(0).describe("with late_confirmation: accept, how late a confirmation may arrive"),
  })
  .refine((d) => d.late_confirmation === 'ignore' || d.late_window_seconds > 0, {
    message: 'late_confirmation: accept needs late_window_seconds > 0',
    path: ['late_window_seconds'],
  });

/** `factors.did`: the spoken Dynamic Identifier. */
export const didPolicy = definePolicySection({ proves: ['did'], sections: { did: didSchema } });
