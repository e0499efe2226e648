import { z } from 'zod';
import { evaluate, type Decision, type Signals } from './evaluate.js';
import { parseYaml, yamlLocator, type PolicyError } from './parse.js';
import { factorSchema, signalSchema, TIER_NAMES } from './schema.js';
import type { PolicySet } from './select.js';

// Scenario fixtures (policies/tests/*.yaml): signals + successes → expected decision fields.
// Pure, like the rest of src/policy; the CLI does the file reading.

/** A fixed clock: scenarios give ages in seconds, so the absolute time never matters. */
export const SCENARIO_NOW = Date.UTC(2026, 0, 1);

const names = z.array(z.string());
const expectSchema = z.strictObject({
  policy: z.strictObject({ id: z.string().optional(), version: z.number().optional() }).optional(),
  tier: z.enum(TIER_NAMES).optional(),
  tier_signals: names.optional(),
  outcome: z.enum(['allow', 'step_up', 'handoff', 'block']).optional(),
  allowed: z.boolean().optional(),
  required: z.number().int().optional(),
  counted: names.optional(),
  eligible: names.optional(),
  reasons: names.optional(),
  handoff: z.strictObject({ queue: z.string().optional(), reason: z.string().optional() }).nullable().optional(),
});

const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  signals: z.partialRecord(signalSchema, z.union([z.boolean(), z.string(), z.number()])).default({}),
  successes: z
    .union([z.array(factorSchema), z.partialRecord(factorSchema, z.number().min(0).describe('seconds ago'))])
    .default([]),
  action: z.string().optional(),
  expect: expectSchema,
});

const fileSchema = z.strictObject({
  policy: z.string().min(1),
  scenarios: z.array(scenarioSchema).min(1),
});

export type Scenario = z.output<typeof scenarioSchema>;

export interface ScenarioResult {
  name: string;
  /** Line of the scenario in its file. */
  line: number;
  passed: boolean;
  /** One line per mismatching field; empty when passed. */
  diff: string[];
  decision: Decision;
}

export interface ScenarioFileResult {
  path: string;
  policy?: string;
  errors: PolicyError[];
  results: ScenarioResult[];
}

export function runScenarioFile(text: string, path: string, policies: PolicySet): ScenarioFileResult {
  const parsed = parseYaml(fileSchema, text, path);
  if (!parsed.ok) return { path, errors: parsed.errors, results: [] };
  const file = parsed.value;
  const locate = yamlLocator(text);
  const policy = policies.get(file.policy);
  if (!policy) {
    const known = policies.list().map((p) => p.id).join(', ');
    const pos = locate(['policy']);
    return {
      path,
      policy: file.policy,
      errors: [{ path, ...pos, field: 'policy', message: `no policy with id "${file.policy}" (known: ${known})` }],
      results: [],
    };
  }
  const results = file.scenarios.map((s, i): ScenarioResult => {
    const signals = Object.fromEntries(Object.entries(s.signals).filter(([, v]) => v !== undefined)) as Signals;
    const opts = { now: SCENARIO_NOW, ...(s.action === undefined ? {} : { action: s.action }) };
    const decision = evaluate(policy, signals, successesAt(s.successes), opts);
    const diff = compare(s.expect, decision);
    return { name: s.name, line: locate(['scenarios', i]).line, passed: diff.length === 0, diff, decision };
  });
  return { path, policy: policy.id, errors: [], results };
}

/** A list means "all just now"; a map gives seconds ago per factor. */
function successesAt(s: Scenario['successes']): Record<string, number> {
  if (Array.isArray(s)) return Object.fromEntries(s.map((f) => [f, SCENARIO_NOW]));
  return Object.fromEntries(Object.entries(s).map(([f, ago]) => [f, SCENARIO_NOW - (ago ?? 0) * 1000]));
}

// Order matters for `eligible` (it is the preference order) but not for the sets counted and
// tier_signals. `reasons` lists lines that must each appear in some reason.
function compare(expect: z.output<typeof expectSchema>, d: Decision): string[] {
  const diff: string[] = [];
  const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));
  const check = (field: string, want: unknown, got: unknown, same: boolean) => {
    if (!same) diff.push(`${field}: expected ${show(want)}, got ${show(got)}`);
  };
  const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const sameSet = (a: string[], b: string[]) => sameList([...a].sort(), [...b].sort());

  if (expect.policy?.id !== undefined) check('policy.id', expect.policy.id, d.policy.id, expect.policy.id === d.policy.id);
  if (expect.policy?.version !== undefined)
    check('policy.version', expect.policy.version, d.policy.version, expect.policy.version === d.policy.version);
  for (const k of ['tier', 'outcome', 'allowed', 'required'] as const) {
    if (expect[k] !== undefined) check(k, expect[k], d[k], expect[k] === d[k]);
  }
  for (const k of ['tier_signals', 'counted'] as const) {
    const want = expect[k];
    if (want !== undefined) check(k, want, d[k], sameSet(want, d[k]));
  }
  if (expect.eligible !== undefined) check('eligible', expect.eligible, d.eligible, sameList(expect.eligible, d.eligible));
  for (const want of expect.reasons ?? []) {
    if (!d.reasons.some((r) => r.includes(want))) diff.push(`reasons: no line contains ${show(want)}`);
  }
  if (expect.handoff === null) check('handoff', null, d.handoff ?? null, d.handoff === undefined);
  else if (expect.handoff !== undefined) {
    for (const k of ['queue', 'reason'] as const) {
      const want = expect.handoff[k];
      if (want !== undefined) check(`handoff.${k}`, want, d.handoff?.[k], want === d.handoff?.[k]);
    }
  }
  return diff;
}
