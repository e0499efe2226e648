import { FACTORS, TIER_NAMES } from '../policy/schema.js';
import { CALL_STATUSES } from '../http/admin.js';
import type { HandoffReason } from '../orchestrator/handoff.js';
import type { JsonSchema } from './json-schema.js';

// Answer schemas. The routes build their answers by hand, not from zod, so these are written here;
// test/openapi-conformance.test.ts checks real answers against them, which keeps them honest.
// Objects stay open (no additionalProperties: false): a new field is not a breaking change.

export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

export const obj = (properties: Record<string, JsonSchema>, required: string[] = [], more: JsonSchema = {}): JsonSchema => ({
  type: 'object',
  properties,
  ...(required.length ? { required } : {}),
  ...more,
});

export const str = (description?: string): JsonSchema => ({ type: 'string', ...(description ? { description } : {}) });
export const int: JsonSchema = { type: 'integer' };
export const bool: JsonSchema = { type: 'boolean' };
export const time: JsonSchema = { type: 'string', format: 'date-time' };
export const nullable = (s: JsonSchema): JsonSchema => ({ anyOf: [s, { type: 'null' }] });
export const arrayOf = (items: JsonSchema): JsonSchema => ({ type: 'array', items });
export const oneOf = (values: readonly string[], description?: string): JsonSchema => ({
  type: 'string',
  enum: [...values],
  ...(description ? { description } : {}),
});

const HANDOFF_REASONS = ['risk_high', 'lockout', 'requested', 'blocked', 'probe_limit', 'call_limit'] as const satisfies readonly HandoffReason[];

export const commonSchemas: Record<string, JsonSchema> = {
  Error: obj(
    {
      success: { const: false },
      reason: str('A snake_case reason code; the response description lists the ones this status carries.'),
      field: str('The one field a conflict is about, when there is one.'),
    },
    ['success', 'reason'],
    { description: 'Every error body: `success: false`, a reason, and whatever helps fix the request.' },
  ),
  FieldError: obj({ field: str('A dotted path such as `kba.0.answer`, a parameter name, or `body`.'), message: str() }, ['field', 'message']),
  InvalidRequest: {
    allOf: [ref('Error')],
    ...obj({ errors: arrayOf(ref('FieldError')) }, ['errors']),
    description: 'A bad request (`invalid_request`, or `signature_format` on /app/confirm): one entry per bad field.',
  },
  PolicyRef: obj({ id: str(), version: int }, ['id', 'version']),
  RiskSignals: {
    type: 'object',
    additionalProperties: { type: ['boolean', 'string'] },
    description: 'The call’s risk signals, e.g. `caller_id_unverified`, `caller_id_attestation`, `wrong_code_burst`, the screen’s flags.',
  },
  CallStatus: oneOf(CALL_STATUSES),
  RiskTier: oneOf(TIER_NAMES),
  Factor: oneOf(FACTORS),
  AuthState: obj(
    {
      call_id: str(),
      status: ref('CallStatus'),
      risk_tier: ref('RiskTier'),
      identified: bool,
      auth_success_count: int,
      required_successes: int,
      successes: arrayOf(ref('Factor')),
      risk_signals: ref('RiskSignals'),
      policy: ref('PolicyRef'),
    },
    ['call_id', 'status', 'risk_tier', 'identified', 'auth_success_count', 'required_successes', 'successes', 'risk_signals', 'policy'],
  ),
  Handoff: obj(
    {
      queue: str(),
      reason: oneOf(HANDOFF_REASONS),
      summary: str('One sentence for the human agent who takes over.'),
      customer_id: nullable(str()),
      factors_passed: arrayOf(str()),
      factors_failed: { type: 'object', additionalProperties: int },
      risk_labels: arrayOf(str()),
      risk_tier: ref('RiskTier'),
      policy: ref('PolicyRef'),
      at: time,
    },
    ['queue', 'reason', 'summary', 'factors_passed', 'factors_failed', 'risk_labels', 'risk_tier', 'policy', 'at'],
  ),
  Health: obj(
    { ok: { const: true }, policies: arrayOf(obj({ id: str(), version: int, file: str() }, ['id', 'version'])) },
    ['ok', 'policies'],
  ),
};
