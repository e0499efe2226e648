import { describe, expect, it } from 'vitest';
import { evaluate, explainDecision } from './evaluate.js';
import { policySchema, SIGNALS, FACTORS, type Policy } from './schema.js';

const NOW = 1_800_000_000_000;
const ago = (s: number) => NOW - s * 1000;

const policy: Policy = policySchema.parse({
  id: 'unit',
  version: 3,
  risk: { high: ['watch_list', 'screen_high'], medium: ['poor_audio', 'screen_unavailable'] },
  tiers: {
    low: { require: 1, from: ['otp', 'totp', 'kba_advanced', 'did'] },
    medium: { require: 2, from: ['otp', 'totp', 'kba_advanced', 'did'] },
    high: { handoff: true },
  },
  actions: { transfer_funds: { require: 2, max_age_seconds: 300 }, update_card_limit: { require: 3 } },
});

describe('evaluate: tiers', () => {
  it('low when no listed signal is present', () => {
    const d = evaluate(policy, { caller_id_unverified: true }, {}, { now: NOW });
    expect(d).toMatchObject({ policy: { id: 'unit', version: 3 }, tier: 'low', tier_signals: [], outcome: 'step_up', allowed: false, required: 1 });
    expect(d.handoff).toBeUndefined();
  });

  it('medium when a medium signal is present, high wins over medium', () => {
    expect(evaluate(policy, { poor_audio: true }, {}, { now: NOW }).tier).toBe('medium');
    const d = evaluate(policy, { poor_audio: 1, screen_high: 'yes', watch_list: true }, {}, { now: NOW });
    expect(d.tier).toBe('high');
    expect(d.tier_signals).toEqual(['watch_list', 'screen_high']);
  });

  it('a signal is present only when truthy', () => {
    const d = evaluate(policy, { watch_list: false, screen_high: 0, poor_audio: '' }, {}, { now: NOW });
    expect(d.tier).toBe('low');
  });

  it('screen_unavailable is ignored when the screen fails open', () => {
    const open = policySchema.parse({ ...policy, factors: { screen: { on_unavailable: 'fail_open' } } });
    const d = evaluate(open, { screen_unavailable: true }, {}, { now: NOW });
    expect(d.tier).toBe('low');
    expect(d.reasons.join('\n')).toMatch(/fail_open/);
    expect(evaluate(policy, { screen_unavailable: true }, {}, { now: NOW }).tier).toBe('medium');
  });

  it('a handoff tier hands off to its queue, else the policy queue', () => {
    const d = evaluate(policy, { watch_list: true }, { otp: NOW, totp: NOW }, { now: NOW });
    expect(d).toMatchObject({ outcome: 'handoff', allowed: false, required: 0, counted: [], eligible: [] });
    expect(d.handoff).toEqual({ queue: 'fraud_review', reason: 'risk_high' });
    const own = policySchema.parse({ ...policy, tiers: { ...policy.tiers, high: { handoff: true, queue: 'vip_fraud' } } });
    expect(evaluate(own, { watch_list: true }, {}, { now: NOW }).handoff?.queue).toBe('vip_fraud');
  });

  it('a block tier blocks', () => {
    const blocking = policySchema.parse({ ...policy, tiers: { ...policy.tiers, medium: { block: true } } });
    const d = evaluate(blocking, { poor_audio: true }, { otp: NOW, totp: NOW }, { now: NOW });
    expect(d).toMatchObject({ tier: 'medium', outcome: 'block', allowed: false });
    expect(d.handoff).toBeUndefined();
  });
});

describe('evaluate: counting successes', () => {
  it('counts distinct factors of the tier, in the policy order', () => {
    const d = evaluate(policy, { poor_audio: true }, { did: NOW, otp: NOW }, { now: NOW });
    expect(d).toMatchObject({ outcome: 'allow', allowed: true, required: 2, counted: ['otp', 'did'] });
    expect(d.eligible).toEqual(['totp', 'kba_advanced']);
  });

  it('successes outside the tier never count', () => {
    const d = evaluate(policy, {}, { kba_basic: NOW, screen_clear: NOW, bogus: NOW }, { now: NOW });
    expect(d).toMatchObject({ outcome: 'step_up', counted: [] });
    expect(d.reasons.join('\n')).toMatch(/not counted on the low tier: kba_basic, screen_clear, bogus/);
  });

  it('ignores timestamps that are not finite numbers', () => {
    const d = evaluate(policy, {}, { otp: Number.NaN }, { now: NOW });
    expect(d.counted).toEqual([]);
  });

  it('an action raises the threshold', () => {
    expect(evaluate(policy, {}, { otp: NOW }, { now: NOW, action: 'transfer_funds' })).toMatchObject({ required: 2, allowed: false });
    expect(evaluate(policy, {}, { otp: NOW, did: NOW, totp: NOW }, { now: NOW, action: 'update_card_limit' })).toMatchObject({
      required: 3,
      allowed: true,
    });
  });

  it('a tier threshold above the action requirement wins', () => {
    const d = evaluate(policy, { poor_audio: true }, { otp: NOW }, { now: NOW, action: 'account_summary' });
    expect(d.required).toBe(2);
  });

  it('an action with max_age_seconds counts only fresh successes (boundary included)', () => {
    const d = evaluate(policy, {}, { otp: ago(301), did: ago(300) }, { now: NOW, action: 'transfer_funds' });
    expect(d).toMatchObject({ outcome: 'step_up', counted: ['did'], eligible: ['otp', 'totp', 'kba_advanced'] });
    expect(d.reasons.join('\n')).toMatch(/too old for transfer_funds: otp \(301 s ago\)/);
  });

  it('without an action, age does not matter', () => {
    expect(evaluate(policy, {}, { otp: ago(86_400) }, { now: NOW }).allowed).toBe(true);
  });

  it('an unknown action gets the tier threshold', () => {
    const d = evaluate(policy, {}, { otp: NOW }, { now: NOW, action: 'read_statement' });
    expect(d).toMatchObject({ required: 1, allowed: true, outcome: 'allow' });
    expect(d.reasons.join('\n')).toMatch(/no rule/);
  });

  it('is pure: same inputs, same decision, inputs untouched', () => {
    const signals = { poor_audio: true };
    const successes = { otp: ago(10) };
    const a = evaluate(policy, signals, successes, { now: NOW, action: 'transfer_funds' });
    const b = evaluate(policy, signals, successes, { now: NOW, action: 'transfer_funds' });
    expect(a).toEqual(b);
    expect(successes).toEqual({ otp: ago(10) });
  });
});

describe('evaluate: never allows on the high tier (randomised)', () => {
  // A small seeded generator keeps the run reproducible without a property-testing dependency.
  function rng(seed: number) {
    let s = seed >>> 0;
    return () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const pick = <T,>(r: () => number, xs: readonly T[]) => xs.filter(() => r() < 0.5);

  it('holds for 2000 random policies, signals, successes and actions', () => {
    const r = rng(20260101);
    for (let i = 0; i < 2000; i++) {
      const high = pick(r, SIGNALS);
      if (high.length === 0) high.push('watch_list');
      const medium = pick(r, SIGNALS).filter((s) => !high.includes(s));
      const from = pick(r, FACTORS);
      if (from.length === 0) from.push('otp');
      const p = policySchema.parse({
        id: `p${i}`,
        version: 1,
        risk: { high, medium },
        tiers: {
          low: { require: 1, from },
          medium: { require: from.length, from },
          high: r() < 0.5 ? { handoff: true } : { block: true },
        },
        actions: { act: { require: 1, max_age_seconds: 60 } },
      });
      const signals: Record<string, boolean> = Object.fromEntries(pick(r, SIGNALS).map((s) => [s, true]));
      signals[high[Math.floor(r() * high.length)]!] = true;
      const successes = Object.fromEntries(FACTORS.map((f) => [f, NOW - Math.floor(r() * 120_000)]));
      const action = r() < 0.3 ? undefined : r() < 0.5 ? 'act' : 'other';
      const d = evaluate(p, signals, successes, { now: NOW, ...(action ? { action } : {}) });
      expect(d.tier).toBe('high');
      expect(d.allowed).toBe(false);
      expect(['handoff', 'block']).toContain(d.outcome);
    }
  });
});

describe('explainDecision', () => {
  it('explains a step-up on several lines', () => {
    const text = explainDecision(evaluate(policy, { poor_audio: true }, { otp: NOW }, { now: NOW }));
    expect(text.split('\n').length).toBeGreaterThan(4);
    expect(text).toContain('policy unit v3: step_up (not allowed)');
    expect(text).toContain('tier: medium (poor_audio)');
    expect(text).toContain('successes: 1 of 2 required');
    expect(text).toContain('eligible: totp, kba_advanced, did');
  });

  it('explains a handoff with its queue', () => {
    const text = explainDecision(evaluate(policy, { watch_list: true }, {}, { now: NOW }));
    expect(text).toContain('handoff: fraud_review (risk_high)');
    expect(text).not.toContain('eligible:');
  });
});
