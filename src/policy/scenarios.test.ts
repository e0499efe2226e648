import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from './parse.js';
import { runScenarioFile } from './scenarios.js';
import { PolicySet } from './select.js';

const dir = new URL('../../policies/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, dir), 'utf8');

function shippedSet(): PolicySet {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  return new PolicySet(
    files.map((f) => {
      const r = parsePolicy(read(f), `policies/${f}`);
      if (!r.ok) throw new Error(`policies/${f} does not validate`);
      return r.policy;
    }),
  );
}

describe('scenario fixtures (policies/tests)', () => {
  const set = shippedSet();
  const files = readdirSync(new URL('tests/', dir)).filter((f) => /\.ya?ml$/.test(f)).sort();

  it('cover both shipped policies with enough scenarios', () => {
    const results = files.map((f) => runScenarioFile(read(`tests/${f}`), `policies/tests/${f}`, set));
    expect(new Set(results.map((r) => r.policy))).toEqual(new Set(['default', 'nist-aal2']));
    expect(results.flatMap((r) => r.results).length).toBeGreaterThanOrEqual(25);
  });

  for (const f of files) {
    describe(f, () => {
      const r = runScenarioFile(read(`tests/${f}`), `policies/tests/${f}`, set);
      it('parses', () => expect(r.errors).toEqual([]));
      for (const s of r.results) {
        it(s.name, () => expect(s.diff, `policies/tests/${f}:${s.line}`).toEqual([]));
      }
    });
  }
});

describe('runScenarioFile', () => {
  const set = shippedSet();

  it('reports each mismatching field', () => {
    const text = `policy: default
scenarios:
  - name: passes
    successes: [otp]
    expect: {outcome: allow}
  - name: wrong
    signals: {poor_audio: true}
    successes: {otp: 5}
    expect: {tier: low, allowed: true, eligible: [did], counted: [otp], handoff: {queue: x}, reasons: [nope]}
`;
    const r = runScenarioFile(text, 't.yaml', set);
    expect(r.errors).toEqual([]);
    expect(r.results.map((s) => [s.name, s.passed, s.line])).toEqual([
      ['passes', true, 3],
      ['wrong', false, 6],
    ]);
    expect(r.results[1]!.diff).toEqual([
      'tier: expected "low", got "medium"',
      'allowed: expected true, got false',
      'eligible: expected ["did"], got ["totp","kba_advanced","did"]',
      'reasons: no line contains "nope"',
      'handoff.queue: expected "x", got nothing',
    ]);
  });

  it('compares counted and tier_signals as sets, eligible in order', () => {
    const text = `policy: default
scenarios:
  - name: order
    signals: {poor_audio: true, screen_uncertain: true}
    successes: [did, otp]
    expect: {counted: [did, otp], tier_signals: [poor_audio, screen_uncertain], eligible: [kba_advanced, totp]}
`;
    const [s] = runScenarioFile(text, 't.yaml', set).results;
    expect(s!.diff).toEqual([
      'eligible: expected ["kba_advanced","totp"], got ["totp","kba_advanced"]',
    ]);
  });

  it('refuses unknown signals, factors and expect keys with their lines', () => {
    const text = `policy: default
scenarios:
  - name: typo
    signals: {poor_audo: true}
    successes: [otpp]
    expect: {outcom: allow}
`;
    const r = runScenarioFile(text, 't.yaml', set);
    expect(r.errors.map((e) => [e.line, e.field])).toEqual([
      [4, 'scenarios[0].signals.poor_audo'],
      [5, 'scenarios[0].successes[0]'],
      [6, 'scenarios[0].expect.outcom'],
    ]);
  });

  it('refuses an unknown policy id', () => {
    const r = runScenarioFile('policy: nope\nscenarios:\n  - {name: a, expect: {}}\n', 't.yaml', set);
    expect(r.errors).toEqual([
      { path: 't.yaml', line: 1, column: 9, field: 'policy', message: 'no policy with id "nope" (known: default, nist-aal2)' },
    ]);
  });
});
