import { z } from 'zod';
import { POLICY_SECTIONS } from '../factors/sections.js';
import { int } from './section.js';

// The policy file format (policies/README.md). Strict objects everywhere: a misspelt key is an error,
// never a silently ignored setting. Everything except id, version and tiers has a default.

/** Every factor a tier may count, from the factor folders' policy sections. */
export const FACTORS = POLICY_SECTIONS.flatMap((p) => p.proves) as unknown as readonly [Section['proves'][number], ...Section['proves'][number][]];
export const SIGNALS = [
  'watch_list',
  'synthetic_voice',
  'profile_mismatch',
  'screen_high',
  'screen_uncertain',
  'poor_audio',
  'wrong_code_burst',
  'screen_unavailable',
  'host_session_invalid',
  'caller_id_unverified',
  // A push approval signed with a number the agent did not say (factors/push).
  'push_wrong_number',
  // The fraud screen heard nothing wrong: the absence of risk, which no tier may count as a factor.
  'screen_clear',
] as const;
export const TIER_NAMES = ['low', 'medium', 'high'] as const;

// A fraud screen's `clear` is a missing risk signal, never proof of identity (NIST SP 800-63B rev 4:
// fraud indicators do not substitute for an authentication factor). Say so rather than "invalid".
export const factorSchema = z.enum(FACTORS, {
  error: (iss) =>
    iss.input === 'screen_clear'
      ? 'screen_clear is a fraud-screen result, not an authentication factor: it cannot count toward a tier (see policies/README.md)'
      : undefined,
});
export const signalSchema = z.enum(SIGNALS);

export type Factor = z.infer<typeof factorSchema>;
export type Signal = z.infer<typeof signalSchema>;
export type TierName = (typeof TIER_NAMES)[number];

const name = z.string().min(1);

type Section = (typeof POLICY_SECTIONS)[number];
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type Sections = UnionToIntersection<Section['sections']>;

// `factors:` holds one section per key a factor folder declares (its policy.ts), each defaulted.
const factorsSchema = z.strictObject(
  Object.fromEntries(POLICY_SECTIONS.flatMap((p) => Object.entries(p.sections).map(([key, schema]) => [key, schema.prefault({})]))) as {
    [K in keyof Sections]: z.ZodPrefault<Sections[K] & z.ZodType>;
  },
);

const requireTierSchema = z.strictObject({
  require: z.number().int().min(1).describe('how many distinct factors from `from` must succeed'),
  from: z.array(factorSchema).min(1).describe('factors that count on this tier, most preferred first'),
});
const handoffTierSchema = z.strictObject({
  handoff: z.literal(true),
  queue: name.optional().describe('human queue; defaults to the policy handoff_queue'),
});
const blockTierSchema = z.strictObject({ block: z.literal(true) });

export const tierSchema = z.union([requireTierSchema, handoffTierSchema, blockTierSchema]);
// High risk never opens privileged tools: the high tier can only hand off or block.
const highTierSchema = z.union([handoffTierSchema, blockTierSchema], {
  error: (iss) =>
    typeof iss.input === 'object' && iss.input !== null && ('require' in iss.input || 'from' in iss.input)
      ? 'the high tier can only hand off or block: use {handoff: true} or {block: true}'
      : undefined,
});

export type RequireTier = z.output<typeof requireTierSchema>;
export type HandoffTier = z.output<typeof handoffTierSchema>;
export type BlockTier = z.output<typeof blockTierSchema>;
export type Tier = z.output<typeof tierSchema>;

const DEFAULT_HIGH: Signal[] = ['watch_list', 'synthetic_voice', 'profile_mismatch'];
const DEFAULT_MEDIUM: Signal[] = [
  'screen_uncertain',
  'poor_audio',
  'wrong_code_burst',
  'screen_unavailable',
  'host_session_invalid',
];

const riskSchema = z.strictObject({
  high: z.array(signalSchema).default(DEFAULT_HIGH).describe('any of these present → high tier'),
  medium: z.array(signalSchema).default(DEFAULT_MEDIUM).describe('any of these present → medium tier'),
});

const actionSchema = z.strictObject({
  require: z.number().int().min(1).optional().describe('successes this tool needs, if more than the tier asks'),
  max_age_seconds: z.number().int().positive().optional().describe('only successes at most this old count for this tool'),
});

// Guess budgets: per customer and factor family, across calls, durable. Defaults sit well under
// NIST SP 800-63B's ceiling of 100 consecutive failures per account.
const budgetSchema = z.strictObject({
  max_failures: int(1, 100).default(10).describe('failed guesses per customer in one window before the family locks until the window ends'),
  window_seconds: int(60, 86_400).default(3600),
  max_consecutive: int(1, 100).default(100).describe('failures without a success in between before a long lock (only a success resets the count)'),
  lock_seconds: int(60, 604_800).default(86_400).describe('how long the long lock lasts; past the cap each further guess locks again'),
});
export const GUESS_FAMILIES = ['knowledge', 'code', 'did'] as const;

const window = (max: number, maxDefault: number, seconds: number) =>
  z.strictObject({ max: int(1, max).default(maxDefault), window_seconds: int(1, 604_800).default(seconds) });

// Limits across calls on what costs money or reveals something: sends per destination, calls per
// caller ID, identify probes. Durable in SQL; defaults no looser than Twilio Verify's.
const limitsSchema = z.strictObject({
  sends_per_destination: window(100, 5, 900).prefault({}).describe('codes to one phone number or e-mail address in a sliding window, across calls'),
  sends_per_destination_per_day: int(1, 1000).default(10).describe('codes to one destination in any 24 hours'),
  sms_per_hour: int(1, 1_000_000).default(1000).describe('service-wide SMS ceiling per sliding hour: past it sends stop (a breaker) and an event fires'),
  calls_per_caller_id: window(10_000, 10, 3600).prefault({}).describe('calls created for one caller ID; past it a call goes straight to a human'),
  identify_failures_per_caller_id: window(1000, 10, 3600).prefault({}).describe('unknown account refs from one caller ID before identify is refused'),
  identify_failures_per_hour: int(1, 1_000_000).default(500).describe('service-wide unknown account refs per hour; past it an event fires and a wrong ref goes to a human'),
});

const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lowercase letters, digits, - and _');

export const policySchema = z
  .strictObject({
    id: slug.describe('unique policy id, recorded with every decision'),
    version: z.number().int().min(1),
    description: z.string().default(''),
    applies_to: z
      .strictObject({
        called_numbers: z.array(name).optional(),
        agent_ids: z.array(name).optional(),
      })
      .default({})
      .describe('every listed key must match; first matching file wins, else the default policy'),
    factors: factorsSchema.prefault({}),
    risk: riskSchema.prefault({}),
    tiers: z.strictObject({ low: tierSchema, medium: tierSchema, high: highTierSchema }),
    handoff_queue: name.default('fraud_review').describe('queue for handoff tiers without their own queue'),
    lockout: z
      .strictObject({
        // 800-63B 5.2.2 caps consecutive failures per account at 100; a call is far stricter.
        max_failures: int(1, 100).default(5),
        queue: name.default('authentication_support'),
      })
      .prefault({}),
    bursts: z
      .strictObject({
        wrong_code: z
          .strictObject({ count: int(2, 100).default(3), window_seconds: int(1, 3600).default(60) })
          .prefault({}),
      })
      .prefault({}),
    budgets: z
      .strictObject({
        knowledge: budgetSchema.prefault({}),
        code: budgetSchema.prefault({}),
        did: budgetSchema.prefault({}),
      })
      .prefault({})
      .describe('failed-guess budgets per customer across calls: knowledge (KBA), code (SMS/e-mail/app codes), did (spoken DIDs)'),
    limits: limitsSchema.prefault({}),
    actions: z
      .record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'tool names are snake_case'), actionSchema)
      .default({})
      .describe('extra requirements per post-auth tool'),
  })
  .superRefine((p, ctx) => {
    // A signal in both lists would be ambiguous to a reader even though high wins.
    p.risk.medium.forEach((s, i) => {
      if (p.risk.high.includes(s))
        ctx.addIssue({ code: 'custom', path: ['risk', 'medium', i], message: `${s} is already listed under risk.high` });
    });
    for (const key of ['high', 'medium'] as const) checkUnique(p.risk[key], ['risk', key], ctx);
    for (const t of ['low', 'medium'] as const) {
      const tier = p.tiers[t];
      if (!('require' in tier)) continue;
      checkUnique(tier.from, ['tiers', t, 'from'], ctx);
      const distinct = new Set(tier.from).size;
      if (tier.require > distinct)
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', t, 'require'],
          message: `require ${tier.require} can never be met: from lists only ${distinct} factor(s)`,
        });
    }
  });

function checkUnique(list: readonly string[], path: (string | number)[], ctx: z.RefinementCtx): void {
  list.forEach((v, i) => {
    if (list.indexOf(v) !== i) ctx.addIssue({ code: 'custom', path: [...path, i], message: `${v} is listed twice` });
  });
}

export type PolicyInput = z.input<typeof policySchema>;
export type Policy = z.output<typeof policySchema>;
export type ActionRule = z.output<typeof actionSchema>;
export type GuessBudget = z.output<typeof budgetSchema>;
export type Limits = z.output<typeof limitsSchema>;
