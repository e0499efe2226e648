import { describe, expect, it } from 'vitest';
import { policySchema, type Policy } from './schema.js';
import { PolicySet, policyContent, policyFromContent, unavailablePolicy } from './select.js';
import { evaluate } from './evaluate.js';

const tiers = { low: { require: 1, from: ['otp'] }, medium: { require: 1, from: ['otp'] }, high: { handoff: true } };
const make = (id: string, applies_to: Record<string, string[]> = {}): Policy =>
  policySchema.parse({ id, version: 1, applies_to, tiers });

describe('PolicySet', () => {
  const set = new PolicySet([
    make('a-line', { called_numbers: ['+18005550100', '+18005550101'] }),
    make('b-agent-and-line', { called_numbers: ['+18005550199'], agent_ids: ['agent_vip'] }),
    make('c-agent', { agent_ids: ['agent_vip'] }),
    make('default'),
    make('z-empty', {}),
    make('z-empty-list', { called_numbers: [] }),
  ]);

  it('falls back to default', () => {
    expect(set.select({}).id).toBe('default');
    expect(set.select({ called_number: '+19995550000', agent_id: 'other' }).id).toBe('default');
  });

  it('matches when the value is in the list', () => {
    expect(set.select({ called_number: '+18005550101' }).id).toBe('a-line');
  });

  it('needs every listed key to match, and the first match wins', () => {
    expect(set.select({ called_number: '+18005550199', agent_id: 'agent_vip' }).id).toBe('b-agent-and-line');
    // the number alone does not satisfy b (agent missing); c matches on the agent
    expect(set.select({ called_number: '+18005550199' }).id).toBe('default');
    expect(set.select({ agent_id: 'agent_vip' }).id).toBe('c-agent');
    expect(set.select({ called_number: '+18005550100', agent_id: 'agent_vip' }).id).toBe('a-line');
  });

  it('an empty applies_to (or empty lists) never matches by itself', () => {
    const only = new PolicySet([make('a', {}), make('b', { agent_ids: [] }), make('default')]);
    expect(only.select({ agent_id: 'x', called_number: '+1' }).id).toBe('default');
  });

  it('get and list', () => {
    expect(set.get('c-agent')?.id).toBe('c-agent');
    expect(set.get('nope')).toBeUndefined();
    expect(set.list().map((p) => p.id)).toEqual(['a-line', 'b-agent-and-line', 'c-agent', 'default', 'z-empty', 'z-empty-list']);
  });

  it('refuses duplicate ids and a missing default', () => {
    expect(() => new PolicySet([make('default'), make('default')])).toThrow(/two policies share the id "default"/);
    expect(() => new PolicySet([make('a')])).toThrow(/no policy with id "default"/);
  });
});

describe('policy versions', () => {
  const v1 = make('default');
  const v2 = { ...make('default'), version: 2 };

  it('keeps older versions known after the set in force moved on', () => {
    const set = new PolicySet([v2], { known: [v1] });
    expect(set.get('default')).toBe(v2);
    expect(set.version('default', 1)).toBe(v1);
    expect(set.version('default', 2)).toBe(v2);
    expect(set.version('default', 3)).toBeUndefined();
    expect(set.inForce()).toEqual([{ id: 'default', version: 2 }]);
  });

  it('refuses one id and version with two contents', () => {
    const other = { ...v1, handoff_queue: 'elsewhere' };
    expect(() => new PolicySet([other], { known: [v1] })).toThrow(/version 1 already exists with different contents/);
  });

  it('content ignores key order and survives a round trip through JSON', () => {
    const reordered = Object.fromEntries(Object.entries(v1).reverse()) as typeof v1;
    expect(policyContent(reordered)).toBe(policyContent(v1));
    expect(policyFromContent(policyContent(v1))).toEqual(v1);
    expect(policyFromContent('{"id": 1}')).toBeUndefined();
  });

  it('the stand-in for a lost version never allows anything', () => {
    const p = unavailablePolicy('gone', 4);
    expect(p).toMatchObject({ id: 'gone', version: 4 });
    const d = evaluate(p, {}, { otp: 0, totp: 0, did: 0, kba_advanced: 0 }, { now: 0 });
    expect(d).toMatchObject({ outcome: 'handoff', allowed: false, policy: { id: 'gone', version: 4 } });
  });
});
