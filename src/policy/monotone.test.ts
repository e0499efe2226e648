import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { findNonMonotone } from './monotone.js';
import { parsePolicy } from './parse.js';
import { FACTORS, SIGNALS, policySchema, type Policy } from './schema.js';

const base = (tiers: string, actions = '') => `id: t
version: 1
risk: {high: [watch_list], medium: [wrong_code_burst, poor_audio]}
tiers:
${tiers}
${actions}`;

describe('policy check: raising the risk never lowers the bar', () => {
  it('refuses the shape that let a wrong-code burst open transfer_funds, naming the counter-example', () => {
    // The attack: on low, KBA alone is one short of transfer_funds' 2; three wrong codes raise the
    // tier to medium, where a success the low tier does not count made up the difference.
    const text = base(
      `  low:    {require: 1, from: [kba_advanced, otp]}
  medium: {require: 1, from: [kba_advanced, otp, did]}
  high:   {handoff: true}`,
    );
    const r = parsePolicy(text, 'p.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ field: 'tiers.medium', line: 6 });
    expect(r.errors[0]!.message).toBe(
      'risk is not monotone: did opens privileged access on the medium tier but not on the low tier (raising the risk would lower the bar)',
    );
  });

  it('finds a lower require on a higher tier, per action', () => {
    const text = base(
      `  low:    {require: 2, from: [otp, totp, did]}
  medium: {require: 1, from: [otp, totp, did]}
  high:   {handoff: true}`,
    );
    const r = parsePolicy(text, 'p.yaml');
    expect(r.ok ? '' : r.errors[0]!.message).toMatch(/^risk is not monotone: otp opens privileged access on the medium tier but not on the low tier/);
  });

  it('a low tier that hands off while medium opens is refused too', () => {
    const text = base(`  low: {handoff: true}\n  medium: {require: 1, from: [otp]}\n  high: {handoff: true}`);
    expect(parsePolicy(text, 'p.yaml').ok).toBe(false);
  });

  it('accepts the shipped shape: each tier at least as strict as the one below', () => {
    const text = base(
      `  low:    {require: 1, from: [otp, totp, kba_advanced, did]}
  medium: {require: 2, from: [otp, totp, did]}
  high:   {block: true}`,
      'actions: {transfer_funds: {require: 2, max_age_seconds: 300}}',
    );
    expect(parsePolicy(text, 'p.yaml')).toMatchObject({ ok: true });
  });
});

// Random policies: tiers of random factor lists and requirements, random action rules.
const factors = fc.subarray([...FACTORS], { minLength: 1 });
const requireTier = factors.chain((from) => fc.record({ require: fc.integer({ min: 1, max: from.length }), from: fc.constant(from) }));
const tier = fc.oneof(requireTier, fc.constant({ handoff: true as const }), fc.constant({ block: true as const }));
const policyArb = fc
  .record({
    low: tier,
    medium: tier,
    high: fc.oneof(fc.constant({ handoff: true as const }), fc.constant({ block: true as const })),
    transfer: fc.integer({ min: 1, max: 4 }),
    medium_signals: fc.subarray(['poor_audio', 'wrong_code_burst', 'screen_uncertain'] as const),
  })
  .map(
    (g): Policy =>
      policySchema.parse({
        id: 'gen',
        version: 1,
        risk: { high: ['watch_list', 'synthetic_voice'], medium: g.medium_signals },
        tiers: { low: g.low, medium: g.medium, high: g.high },
        actions: { transfer_funds: { require: g.transfer } },
      }),
  );
const signalSet = fc.subarray([...SIGNALS]);

describe('evaluate() is monotone whenever the check passes (property)', () => {
  it('more risk signals never allow what fewer signals refuse', () => {
    fc.assert(
      fc.property(policyArb, signalSet, signalSet, fc.subarray([...FACTORS]), fc.constantFrom(undefined, 'transfer_funds', 'other'), (policy, a, extra, done, action) => {
        fc.pre(findNonMonotone(policy) === undefined);
        const now = 1_000_000;
        const fewer = Object.fromEntries(a.map((s) => [s, true]));
        const more = { ...fewer, ...Object.fromEntries(extra.map((s) => [s, true])) };
        const successes = Object.fromEntries(done.map((f) => [f, now]));
        const opts = { now, ...(action ? { action } : {}) };
        if (evaluate(policy, more, successes, opts).allowed) expect(evaluate(policy, fewer, successes, opts).allowed).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('and every counter-example the check prints is real', () => {
    fc.assert(
      fc.property(policyArb, (policy) => {
        const v = findNonMonotone(policy);
        if (!v) return;
        const at = Object.fromEntries(v.successes.map((f) => [f, 0]));
        const signalFor = { low: {}, medium: { [policy.risk.medium[0] ?? 'poor_audio']: true }, high: { watch_list: true } };
        // Only reachable tiers can be replayed through evaluate(); the check also covers the others.
        if (v.higher === 'medium' && policy.risk.medium.length === 0) return;
        const opts = { now: 0, ...(v.action ? { action: v.action } : {}) };
        expect(evaluate(policy, signalFor[v.higher], at, opts).allowed).toBe(true);
        expect(evaluate(policy, signalFor[v.lower], at, opts).allowed).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
