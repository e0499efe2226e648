import { queryParametersOf } from '../../openapi/json-schema.js';
import { json, refusal, type Answer, type RouteSpec } from '../../openapi/table.js';
import { approveSchema, denySchema, pendingQuery, registerSchema } from './routes/app.js';

// The push routes of the phone app, for GET /openapi.json (docs/push.md is the prose).

const str = { type: 'string' } as const;
const refusalWithStatus = { allOf: [{ $ref: '#/components/schemas/Error' }], type: 'object', properties: { status: str } };
const signatureNote =
  '`signature`: base64url of the 64-byte IEEE P1363 (r‖s) ECDSA P-256 / SHA-256 signature by the enrolled device key over the lines of docs/push.md, joined by `\\n`.';
/** A 409 whose body may carry the challenge's `status`. */
const conflict = (description: string, reasons: readonly string[]): Answer => ({ description, reasons, schema: refusalWithStatus });
const badFormat = refusal('A bad field, or `signature_format`: not the 64-byte P1363 form.', ['invalid_request', 'signature_format'], 'InvalidRequest');

const challengeView = {
  type: 'object',
  properties: {
    challenge_id: str,
    call_binding: str,
    nonce: { ...str, description: 'Single use: the one answer the challenge takes spends it.' },
    choices: { type: 'array', items: str, description: 'Three two-digit numbers in random order; one is the number the agent says.' },
    requested_at: str,
    expires_at: str,
  },
  required: ['challenge_id', 'call_binding', 'nonce', 'choices', 'requested_at', 'expires_at'],
};

const answered = (status: string) => ({
  type: 'object',
  properties: { success: { const: true }, status: { const: status } },
  required: ['success', 'status'],
});

const answerRefusals = {
  401: refusal('The signature does not verify with the enrolled key.', ['bad_signature']),
  404: refusal('No such challenge for this device.', ['unknown_challenge']),
  429: refusal('More than 30 answers a minute from one device.', ['rate_limited']),
};

export const pushOpenApiRoutes: RouteSpec[] = [
  {
    method: 'post',
    path: '/app/push/register',
    tag: 'Phone app',
    summary: 'Register an enrolled device for push approvals (pull channel, Web Push, FCM or APNs)',
    description: `No bearer. ${signatureNote} Idempotent; registering again replaces the target.`,
    auth: 'device',
    body: {
      name: 'PushRegisterRequest',
      zod: registerSchema,
      example: { device_id: 'phone-1', transport: 'pull', timestamp: 1795406821486, signature: 'c2lnbmF0dXJlLWV4YW1wbGU' },
    },
    responses: {
      200: json({ type: 'object', properties: { success: { const: true }, device_id: str, transport: str }, required: ['success', 'device_id', 'transport'] }, 'Registered.'),
      400: badFormat,
      401: refusal('`stale_request`: the timestamp is more than 5 minutes off; `bad_signature`: not signed by an enrolled device.', ['stale_request', 'bad_signature']),
      429: refusal('More than 10 registrations a minute from one device.', ['rate_limited']),
    },
  },
  {
    method: 'get',
    path: '/app/push/pending',
    tag: 'Phone app',
    summary: 'The pull channel: the device’s pending push challenges, held until one arrives',
    description: `No bearer. ${signatureNote} \`wait\` holds the request up to that many seconds (at most 25) until a push is created.`,
    auth: 'device',
    query: queryParametersOf(pendingQuery, { wait: 'Hold up to this many seconds (0–25) until a push arrives.' }),
    responses: {
      200: json({ type: 'object', properties: { challenges: { type: 'array', items: challengeView } }, required: ['challenges'] }, 'Pending challenges (possibly none).'),
      400: badFormat,
      401: refusal('`stale_request` or `bad_signature`.', ['stale_request', 'bad_signature']),
      404: refusal('The device never registered for pushes.', ['unknown_device']),
      429: refusal('More than 60 polls a minute from one device.', ['rate_limited']),
    },
  },
  {
    method: 'post',
    path: '/app/push/approve',
    tag: 'Phone app',
    summary: 'Approve a push with the number the caller was told',
    description: `No bearer. ${signatureNote} A decoy ends the challenge and is a failed check on the call.`,
    auth: 'device',
    body: {
      name: 'PushApproveRequest',
      zod: approveSchema,
      example: { challenge_id: 'push_68ej6uyqca6f586mj2pmgj', device_id: 'phone-1', number: '47', nonce: 'Zk9yZXhhbXBsZW5vbmNl', signature: 'c2lnbmF0dXJlLWV4YW1wbGU' },
    },
    responses: {
      200: json(answered('approved'), 'Approved: the factor counts on the call.'),
      400: refusal('A bad field, `signature_format`, or `not_a_choice`: the number is not one of the challenge’s choices.', ['invalid_request', 'signature_format', 'not_a_choice'], 'InvalidRequest'),
      ...answerRefusals,
      409: conflict('See docs/push.md; `wrong_number`, `not_pending` and `expired` carry `status`.', ['nonce_invalid', 'wrong_number', 'not_pending', 'expired', 'identity_changed', 'call_closed']),
    },
  },
  {
    method: 'post',
    path: '/app/push/deny',
    tag: 'Phone app',
    summary: '“This wasn’t me”: deny a push',
    description: `No bearer. ${signatureNote} Blocks the call for the fraud queue and pauses pushes to the customer.`,
    auth: 'device',
    body: {
      name: 'PushDenyRequest',
      zod: denySchema,
      example: { challenge_id: 'push_68ej6uyqca6f586mj2pmgj', device_id: 'phone-1', nonce: 'Zk9yZXhhbXBsZW5vbmNl', signature: 'c2lnbmF0dXJlLWV4YW1wbGU' },
    },
    responses: {
      200: json(answered('denied'), 'Denied: the call is blocked.'),
      400: badFormat,
      ...answerRefusals,
      409: conflict('`not_pending` (+ `status`): the challenge was already answered, expired or canceled.', ['nonce_invalid', 'not_pending', 'expired']),
    },
  },
];

