import { didPolicy } from './did/policy.js';
import { kbaPolicy } from './kba/policy.js';
import { otpPolicy } from './otp/policy.js';
import { pushPolicy } from './push/policy.js';
import { screenPolicy } from './screen/policy.js';

/**
 * The registry's lower half: each factor's policy-file section, in the order `FACTORS` lists what
 * they prove. The policy schema is built from it; it imports no factor code, so the policy layer
 * may. `tsc` checks it against the registry (src/factors/registry.ts): a section proving a factor
 * no module proves, or the reverse, fails there.
 */
export const POLICY_SECTIONS = [otpPolicy, kbaPolicy, didPolicy, pushPolicy, screenPolicy] as const;
