import { z } from 'zod';
import { policySchema } from './schema.js';

export {
  FACTORS,
  SIGNALS,
  TIER_NAMES,
  factorSchema,
  signalSchema,
  policySchema,
  tierSchema,
  GUESS_FAMILIES,
  type ActionRule,
  type GuessBudget,
  type Limits,
  type BlockTier,
  type Factor,
  type HandoffTier,
  type Policy,
  type PolicyInput,
  type RequireTier,
  type Signal,
  type Tier,
  type TierName,
} from './schema.js';
export {
  fieldName,
  fieldPosition,
  formatPolicyError,
  parsePolicy,
  parseYaml,
  yamlLocator,
  type ParsePolicyOptions,
  type ParseResult,
  type PolicyError,
} from './parse.js';
export {
  evaluate,
  explainDecision,
  type Decision,
  type EvaluateOptions,
  type Outcome,
  type Signals,
  type Successes,
} from './evaluate.js';
export {
  PolicySet,
  appliesTo,
  policyContent,
  policyFromContent,
  unavailablePolicy,
  versionConflicts,
  type CallContext,
  type InForce,
  type VersionLookup,
} from './select.js';
export {
  SCENARIO_NOW,
  runScenarioFile,
  type Scenario,
  type ScenarioFileResult,
  type ScenarioResult,
} from './scenarios.js';

/** JSON Schema of a policy file as authors write it (defaults optional), for editors. */
export function policyJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(policySchema, { io: 'input' }),
    title: 'callgate policy file',
  };
}

/** The committed policies/policy.schema.json text (stable key order, trailing newline). */
export function policyJsonSchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}
