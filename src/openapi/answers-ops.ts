import { PROVIDERS } from '../factors/did/routes/ivr.js';
import { arrayOf, bool, int, nullable, obj, oneOf, ref, str, time } from './answers-common.js';
import type { JsonSchema } from './json-schema.js';

// Answers of the Dynamic Identifier routes (IVR REST, the phone app) and the admin API.

export const opsSchemas: Record<string, JsonSchema> = {
  DidSession: obj(
    {
      sessionId: str(),
      status: oneOf(['pending', 'confirmed', 'timeout', 'canceled']),
      provider: oneOf(PROVIDERS),
      callId: str('The platform’s call id, as given.'),
      attempt: int,
      maxRetries: int,
      expiresAt: time,
      did: str('While pending: the six digits the IVR speaks.'),
      ttlSeconds: int,
      prompts: obj({ speak: str(), loop: str() }, ['speak', 'loop']),
      resolvedAt: nullable(time),
      previousSessionId: str(),
      customerId: nullable(str('Once confirmed: whom the device proved the caller to be.')),
    },
    ['sessionId', 'status', 'provider', 'callId', 'attempt', 'maxRetries', 'expiresAt'],
  ),
  SessionRefusal: { allOf: [ref('Error')], ...obj({ session: ref('DidSession') }) },
  AppChallenge: obj({ session_id: str(), call_binding: str(), nonce: str('Single-use; sign it within its lifetime.'), expires_at: time }, [
    'session_id',
    'call_binding',
    'nonce',
    'expires_at',
  ]),
  AppConfirmed: obj({ success: { const: true }, status: oneOf(['confirmed', 'timeout']), late_accepted: { const: true } }, ['success', 'status']),
  AppRefusal: { allOf: [ref('Error')], ...obj({ status: str('The session’s status, on session_terminal and call_ended.') }) },
  CustomerCreated: obj({ customer_id: str(), totp_uri: str('Shown this once: an otpauth:// URI for a QR code.') }, ['customer_id']),
  LedgerAccounts: obj(
    {
      customer_id: str(),
      opened: { ...int, description: 'Accounts opened by this request (0: every ref already existed; balances kept).' },
      accounts: arrayOf(
        obj(
          { ref: str(), kind: oneOf(['checking', 'savings', 'card']), currency: str(), balance_cents: int, card_limit_cents: int },
          ['ref', 'kind', 'currency', 'balance_cents'],
        ),
      ),
    },
    ['customer_id', 'opened', 'accounts'],
  ),
  DeviceEnrolled: obj({ device_id: str(), customer_id: str() }, ['device_id', 'customer_id']),
  Customer: obj(
    {
      customer_id: str(),
      display_name: nullable(str()),
      email: nullable(str()),
      phones: arrayOf(str()),
      account_refs: arrayOf(str()),
      created_at: time,
      enrolled: obj(
        {
          kba: obj({ basic: int, advanced: int }),
          totp: bool,
          devices: arrayOf(obj({ device_id: str(), created_at: time }, ['device_id', 'created_at'])),
        },
        ['kba', 'totp', 'devices'],
      ),
    },
    ['customer_id', 'phones', 'account_refs', 'created_at', 'enrolled'],
  ),
  CustomerList: obj({ customers: arrayOf(ref('Customer')) }, ['customers']),
  Erasure: obj(
    {
      customer_id: str(),
      status: oneOf(['erased', 'already_erased']),
      removed: { type: 'object', additionalProperties: int, description: 'Row counts of what was removed, voided or scrubbed.' },
    },
    ['customer_id', 'status'],
  ),
  DeviceRemoved: obj({ customer_id: str(), device_id: str(), status: { const: 'removed' } }, ['customer_id', 'device_id', 'status']),
  CallSummary: obj(
    {
      call_id: str(),
      status: ref('CallStatus'),
      source: oneOf(['initiation', 'tool', 'ivr']),
      created_at: time,
      updated_at: time,
      authenticated_at: nullable(time),
      ended_at: nullable(time),
      policy: ref('PolicyRef'),
      risk_signals: ref('RiskSignals'),
      successes: { type: 'object', additionalProperties: time, description: 'Factor → when it passed.' },
      failures: { type: 'integer', description: 'Failed checks on the call (the lockout counts them).' },
      customer_id: nullable(str()),
      identified_by: nullable(str()),
    },
    ['call_id', 'status', 'source', 'created_at', 'updated_at', 'policy', 'risk_signals', 'successes'],
  ),
  CallList: obj(
    { calls: arrayOf(ref('CallSummary')), next_cursor: nullable(str('Pass it as `cursor` for the next page; null: no further page.')) },
    ['calls', 'next_cursor'],
  ),
  CallDetail: obj(
    {
      auth_state: {
        allOf: [ref('AuthState')],
        ...obj({
          customer_id: nullable(str()),
          identified_by: nullable(str()),
          conversation_id: nullable(str()),
          source: str(),
          failures: { type: 'integer', description: 'Failed checks on the call (the lockout counts them).' },
          handoff: nullable(ref('Handoff')),
          decision: obj({ outcome: str(), allowed: bool, counted: arrayOf(str()), reasons: arrayOf(str()) }),
          created_at: time,
          updated_at: time,
        }),
      },
      events: arrayOf(obj({ type: str(), at: time }, ['type', 'at'], { description: 'One audit event with its data; never a code, an answer or a secret.' })),
    },
    ['auth_state', 'events'],
  ),
  Outbox: obj(
    {
      messages: arrayOf(
        obj({ to: str(), channel: str(), code: str('In clear: development only.'), call_id: str(), expires_at: time, sent_at: time }, [
          'to',
          'channel',
          'code',
        ]),
      ),
    },
    ['messages'],
  ),
};
