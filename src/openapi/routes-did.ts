import { challengeSchema, confirmSchema } from '../factors/did/routes/app.js';
import { createSchema as ivrSessionSchema, waitSchema } from '../factors/did/routes/ivr.js';
import { jsonSchemaOf, type QueryParameter } from './json-schema.js';
import { json, refusal, type Answer, type RouteSpec } from './table.js';

// The Dynamic Identifier routes: IVR REST, the Twilio TwiML flow and the phone app.

const SESSION = { sessionId: 'The session id `POST /ivr/sessions` answered (`sessionId`).' };

const waitParameter: QueryParameter = {
  name: 'wait',
  in: 'query',
  required: false,
  description: 'Hold up to this many seconds until the session leaves `pending` (0 or absent: answer at once).',
  schema: jsonSchemaOf(waitSchema),
};

/** What Twilio posts: checked by hand (a form, not JSON; only `CallSid` is required, by /verify). */
const twilioForm = {
  type: 'object',
  properties: {
    CallSid: { type: 'string', description: 'Required by /verify.' },
    From: { type: 'string' },
    To: { type: 'string' },
    Digits: { type: 'string', description: '/wait: `1` when confirmed in the app, `0` to cancel.' },
    StirVerstat: { type: 'string', description: 'STIR/SHAKEN status; becomes the caller-ID signals.' },
  },
  additionalProperties: { type: 'string' },
};

const localeParameter: QueryParameter = {
  name: 'locale',
  in: 'query',
  required: false,
  description: 'Prompt language: `en-US` (default) or `es-US` (`es-*` maps to `es-US`).',
  schema: { type: 'string' },
};

const twiml = (description: string): Answer => ({ description, media: 'text/xml', schema: { type: 'string' } });

const twilioAnswers = (ok: string): Record<number, Answer> => ({
  200: twiml(ok),
  400: refusal('The body is not a form (and, on /verify, no `CallSid`).', ['invalid_request'], 'InvalidRequest'),
  403: refusal('`X-Twilio-Signature` does not match.', ['bad_signature']),
  503: refusal('`TWILIO_ACCOUNT_SID` / `TWILIO_AUTH_TOKEN` are not set.', ['twilio_not_configured']),
});

const twilioBody = { name: 'TwilioForm', json: twilioForm, media: 'application/x-www-form-urlencoded' } as const;

function twilioRoute(path: string, summary: string, ok: string, query: QueryParameter[]): RouteSpec {
  return { method: 'post', path, tag: 'Twilio TwiML flow', summary, auth: 'twilio', body: twilioBody, query, responses: twilioAnswers(ok) };
}

export const didRoutes: RouteSpec[] = [
  {
    method: 'post',
    path: '/ivr/sessions',
    tag: 'IVR REST',
    summary: 'Create (or find) a Dynamic Identifier session for a live call',
    description:
      'The same `provider` + `callId` while a session is pending answers that session (200); after a timeout or a cancel, a new one (201).',
    auth: 'ivr',
    body: { name: 'IvrSessionRequest', zod: ivrSessionSchema, example: { provider: 'genesys', callId: '7f3c2a', ani: '+14155550142', accountRef: 'M-100042' } },
    responses: {
      200: json('DidSession', 'The pending session for this call.'),
      201: json('DidSession', 'A new session.'),
      400: refusal('A bad field; `redirectUrl` with a provider other than `twilio`, or with a `callId` that is not a Twilio CallSid.', ['invalid_request'], 'InvalidRequest'),
      404: refusal('No customer has `accountRef` (`field: "accountRef"`).', ['unknown_account']),
      409: refusal('`identity_locked` (`field: "accountRef"`); `max_retries` and `already_confirmed` carry the `session`.', [
        'identity_locked',
        'max_retries',
        'already_confirmed',
      ], 'SessionRefusal'),
      429: refusal('Too many creates (per call, per `ani`, per client), or the caller ID is past its identify-failure limit.', ['rate_limited']),
      503: refusal('No free DID.', ['did_unavailable']),
    },
  },
  {
    method: 'get',
    path: '/ivr/sessions/{sessionId}',
    tag: 'IVR REST',
    summary: 'Read a session, or long-poll until it resolves',
    auth: 'ivr',
    pathParams: SESSION,
    query: [waitParameter],
    responses: {
      200: json('DidSession', 'The session.'),
      400: refusal('`wait` is not an integer from 0 to 20.', ['invalid_request'], 'InvalidRequest'),
      404: refusal('No such session.', ['unknown_session']),
      429: refusal('More than 120 polls a minute of one session, or 6 000 from one client.', ['rate_limited']),
    },
  },
  {
    method: 'post',
    path: '/ivr/sessions/{sessionId}/cancel',
    tag: 'IVR REST',
    summary: 'Cancel a pending session',
    description: 'Cancelling twice is harmless; a confirmed session stays confirmed.',
    auth: 'ivr',
    pathParams: SESSION,
    responses: { 200: json('DidSession', 'The session after the cancel.'), 404: refusal('No such session.', ['unknown_session']) },
  },
  twilioRoute('/ivr/twilio/verify', 'Start the TwiML flow: speak the DID and gather', 'TwiML: a `<Gather>` speaking the DID, or a redirect.', [localeParameter]),
  twilioRoute('/ivr/twilio/wait', 'One turn of the TwiML wait loop', 'TwiML: the loop prompt again, or a redirect to the success or failure URL.', [
    { name: 'session', in: 'query', required: true, description: 'The session id the loop is about.', schema: { type: 'string' } },
  ]),
  twilioRoute('/ivr/twilio/success', 'Built-in handler for a confirmed call', 'TwiML: one sentence, then `<Hangup/>`.', [localeParameter]),
  twilioRoute('/ivr/twilio/failure', 'Built-in handler for a failed call', 'TwiML: one sentence, then `<Hangup/>`.', [localeParameter]),
  {
    method: 'post',
    path: '/app/challenge',
    tag: 'Phone app',
    summary: 'Get a nonce for the session showing this DID',
    description: 'No bearer. A device id that is not enrolled gets the same answer for a right DID, with a nonce that was never stored.',
    auth: 'device',
    body: { name: 'AppChallengeRequest', zod: challengeSchema, example: { device_id: 'phone-1', did: '991339' } },
    responses: {
      200: json('AppChallenge', 'A single-use nonce bound to the session and the device.'),
      404: refusal('No pending session shows this DID (whether the device is enrolled or not).', ['wrong_did']),
      429: refusal('`locked`: the device’s customer has no DID guesses left; `rate_limited`: too many challenges or wrong DIDs a minute.', [
        'locked',
        'rate_limited',
      ]),
    },
  },
  {
    method: 'post',
    path: '/app/confirm',
    tag: 'Phone app',
    summary: 'Confirm the session with the device’s signature',
    description:
      '`signature`: base64url of the 64-byte IEEE P1363 (r‖s) ECDSA P-256 / SHA-256 signature over the five lines ' +
      '`callgate-did-confirm:v1`, session_id, call_binding, did, nonce, joined by `\\n`. A refusal never changes the session.',
    auth: 'device',
    body: {
      name: 'AppConfirmRequest',
      zod: confirmSchema,
      example: { session_id: 'did_68ej6uyqca6f586mj2pmgj', device_id: 'phone-1', nonce: 'Zk9yZXhhbXBsZW5vbmNl', signature: 'c2lnbmF0dXJlLWV4YW1wbGU' },
    },
    responses: {
      200: json('AppConfirmed', 'Confirmed, or a late confirmation the policy accepts (`late_accepted`).'),
      400: refusal('A bad field, or `signature_format`: not the 64-byte P1363 form (a DER signature, say); the nonce is not spent.', [
        'invalid_request',
        'signature_format',
      ], 'InvalidRequest'),
      401: refusal('The signature does not verify, or the device may not confirm for this call.', ['bad_signature', 'device_not_allowed']),
      404: refusal('No such session.', ['unknown_session']),
      409: refusal('See docs/api.md#post-appconfirm; `session_terminal` and `call_ended` carry `status`.', [
        'nonce_invalid',
        'session_terminal',
        'call_ended',
        'identity_changed',
      ], 'AppRefusal'),
      429: refusal('More than 20 confirms a minute from one device.', ['rate_limited']),
    },
  },
];
