import { z } from 'zod';
import { definePolicySection, int } from '../../policy/section.js';

// Fatigue is capped per customer across calls, and "this wasn't me" pauses every push to the customer.
const pushSchema = z.strictObject({
  ttl_seconds: int(15, 300).default(60).describe('how long a push waits for an answer on the device'),
  max_per_call: int(1, 10).default(2).describe('pushes that may be sent on one call'),
  per_customer: z
    .strictObject({ max: int(1, 100).default(3), window_seconds: int(60, 86_400).default(900) })
    .prefault({})
    .describe('pushes to one customer in a sliding window, across calls (ASVS 6.6.4: push rate limits)'),
  deny_pause_seconds: int(60, 2_592_000).default(86_400).describe('after "this wasn\'t me", no push to the customer for this long'),
  counts_as: z
    .enum(['did', 'push'])
    .default('did')
    .describe('did: an approval records the did factor (the same device key, so a push and a DID never count twice); push: a factor of its own'),
});

/** `factors.push`: push approval on the enrolled device. */
export const pushPolicy = definePolicySection({ proves: ['push'], sections: { push: pushSchema } });
