import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { policyJsonSchemaText } from './index.js';
import { parsePolicy } from './parse.js';
import { policySchema } from './schema.js';

const dir = new URL('../../policies/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, dir), 'utf8');

describe('shipped policy files', () => {
  for (const name of ['default.yaml', 'nist-aal2.yaml']) {
    it(`${name} validates and points editors at the schema`, () => {
      const text = read(name);
      expect(text.startsWith('# yaml-language-server: $schema=./policy.schema.json\n')).toBe(true);
      const r = parsePolicy(text, `policies/${name}`);
      expect(r.ok ? [] : r.errors).toEqual([]);
    });
  }

  it('default.yaml is the seed blueprint', () => {
    const r = parsePolicy(read('default.yaml'), 'policies/default.yaml');
    if (!r.ok) throw new Error('default.yaml does not validate');
    expect(r.policy).toMatchObject({
      id: 'default',
      version: 1,
      applies_to: {},
      tiers: {
        low: { require: 1, from: ['otp', 'totp', 'kba_advanced', 'did'] },
        medium: { require: 2, from: ['otp', 'totp', 'kba_advanced', 'did'] },
        high: { handoff: true },
      },
      actions: { transfer_funds: { require: 2, max_age_seconds: 300 }, update_card_limit: { require: 2 } },
      budgets: { knowledge: { max_failures: 10, window_seconds: 3600, max_consecutive: 100, lock_seconds: 86400 } },
      limits: { sends_per_destination: { max: 5, window_seconds: 900 }, sends_per_destination_per_day: 10 },
      handoff_queue: 'fraud_review',
      lockout: { max_failures: 5, queue: 'authentication_support' },
    });
  });

  it('nist-aal2.yaml: no KBA or screen in any tier, app factors before SMS, high hands off', () => {
    const r = parsePolicy(read('nist-aal2.yaml'), 'policies/nist-aal2.yaml');
    if (!r.ok) throw new Error('nist-aal2.yaml does not validate');
    const p = r.policy;
    for (const t of [p.tiers.low, p.tiers.medium]) {
      if (!('require' in t)) throw new Error('expected a require tier');
      expect(t.from).not.toContain('kba_basic');
      expect(t.from).not.toContain('kba_advanced');
      expect(t.from).not.toContain('screen_clear');
      expect(t.from.indexOf('totp')).toBeLessThan(t.from.indexOf('otp'));
    }
    expect(p.tiers.high).toEqual({ handoff: true });
    expect(p.factors.otp.ttl_seconds).toBeLessThan(300);
    expect(p.actions.transfer_funds?.require).toBe(2);
    expect(p.actions.update_card_limit?.require).toBe(2);
  });

  it('the committed policy.schema.json is up to date', () => {
    const committed = read('policy.schema.json');
    expect(committed, 'policies/policy.schema.json is stale: run `npm run policy -- schema`').toBe(
      policyJsonSchemaText(),
    );
  });
});

describe('policySchema defaults', () => {
  it('fills every default policies/README.md lists', () => {
    const p = policySchema.parse({
      id: 'min',
      version: 1,
      tiers: { low: { require: 1, from: ['otp'] }, medium: { block: true }, high: { handoff: true } },
    });
    expect(p.description).toBe('');
    expect(p.applies_to).toEqual({});
    expect(p.factors).toEqual({
      otp: { max_attempts: 3, ttl_seconds: 300, max_sends: 3, resend_cooldown_seconds: 30, code_length: 6 },
      totp: { max_attempts: 3 },
      kba_basic: { max_attempts: 2 },
      kba_advanced: { max_attempts: 2 },
      did: { ttl_seconds: 60, max_retries: 3, late_confirmation: 'ignore', late_window_seconds: 0 },
      push: { ttl_seconds: 60, max_per_call: 2, per_customer: { max: 3, window_seconds: 900 }, deny_pause_seconds: 86_400, counts_as: 'did' },
      screen: { wait_seconds: 8, on_unavailable: 'fail_closed' },
    });
    expect(p.risk.high).toEqual(['watch_list', 'synthetic_voice', 'profile_mismatch']);
    expect(p.risk.medium).toContain('screen_unavailable');
    expect(p.lockout).toEqual({ max_failures: 5, queue: 'authentication_support' });
    expect(p.bursts).toEqual({ wrong_code: { count: 3, window_seconds: 60 } });
    expect(p.actions).toEqual({});
    expect(p.handoff_queue).toBe('fraud_review');
  });

  it('fills nested defaults when a factor is only partly given', () => {
    const p = policySchema.parse({
      id: 'x',
      version: 2,
      factors: { otp: { ttl_seconds: 120 } },
      tiers: { low: { require: 1, from: ['otp'] }, medium: { require: 1, from: ['otp'] }, high: { block: true } },
    });
    expect(p.factors.otp).toEqual({
      max_attempts: 3,
      ttl_seconds: 120,
      max_sends: 3,
      resend_cooldown_seconds: 30,
      code_length: 6,
    });
  });

  it('the high tier can only hand off or block', () => {
    const r = policySchema.safeParse({
      id: 'x',
      version: 1,
      tiers: { low: { block: true }, medium: { block: true }, high: { require: 3, from: ['otp', 'totp', 'did'] } },
    });
    expect(r.success).toBe(false);
  });
});

describe('core policy files stay runtime-neutral', () => {
  it('no Node-only import in src/policy (it also runs on Cloudflare Workers)', () => {
    const here = new URL('./', import.meta.url);
    const core = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(core.length).toBeGreaterThan(4);
    for (const f of core) {
      const src = readFileSync(new URL(f, here), 'utf8');
      expect(src, f).not.toMatch(/from ['"](node:|fs|path|os|child_process)['"/]/);
      expect(src, f).not.toMatch(/Date\.now\(|process\./);
    }
  });
});
