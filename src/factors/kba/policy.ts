import { z } from 'zod';
import { attempts, definePolicySection } from '../../policy/section.js';

const kbaSchema = z.strictObject({ max_attempts: attempts.default(2) });

/** `factors.kba_basic` and `factors.kba_advanced`: the two levels of knowledge questions. */
export const kbaPolicy = definePolicySection({
  proves: ['kba_basic', 'kba_advanced'],
  sections: { kba_basic: kbaSchema, kba_advanced: kbaSchema },
});
