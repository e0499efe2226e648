import type { Auth } from './table.js';

// The credentials of docs/api.md#credentials-and-signatures as OpenAPI security schemes. The signed
// webhooks are header "API keys" in OpenAPI's vocabulary; the description says how to sign.

const bearer = (secret: string, ...realms: string[]) => ({
  type: 'http',
  scheme: 'bearer',
  description:
    `\`Authorization: Bearer <${secret}>\`, compared in constant time. Wrong or missing: \`401 unauthorized\` with ` +
    realms.map((r) => `\`WWW-Authenticate: Bearer realm="${r}"\``).join(' or ') +
    '.',
});

const signed = (header: string, description: string) => ({ type: 'apiKey', in: 'header', name: header, description });

export const securitySchemes = {
  toolBearer: bearer('CALLGATE_TOOL_SECRET', 'elevenlabs', 'tools'),
  ivrBearer: bearer('CALLGATE_IVR_SECRET', 'ivr'),
  adminBearer: bearer('CALLGATE_ADMIN_TOKEN', 'admin'),
  metricsBearer: bearer('CALLGATE_METRICS_TOKEN', 'metrics'),
  elevenLabsSignature: signed(
    'ElevenLabs-Signature',
    '`t=<unix seconds>,v0=<hex HMAC-SHA256(ELEVENLABS_WEBHOOK_SECRET, "<t>.<raw body>")>`; at most 30 minutes old, 5 minutes ahead.',
  ),
  callgateSignature: signed(
    'X-Callgate-Signature',
    '`t=<unix seconds>,v1=<hex HMAC-SHA256(VOXEQ_WEBHOOK_SECRET, "<t>.<raw body>")>` (several `v1` allowed); within 300 seconds.',
  ),
  twilioSignature: signed(
    'X-Twilio-Signature',
    'Base64(HMAC-SHA1(TWILIO_AUTH_TOKEN, CALLGATE_PUBLIC_URL + path + query + each POST parameter name and value, sorted by name)). Wrong: `403 bad_signature`.',
  ),
} as const;

type Scheme = keyof typeof securitySchemes;

/** The security requirement of an operation: alternatives, each a set of schemes. `[]`: no credential. */
export function securityOf(auth: Auth): Record<string, string[]>[] {
  const one = (s: Scheme) => [{ [s]: [] }];
  switch (auth) {
    case 'none':
    case 'device':
      return [];
    case 'tool':
      return one('toolBearer');
    case 'ivr':
      return one('ivrBearer');
    case 'admin':
      return one('adminBearer');
    case 'metrics':
      return [{ adminBearer: [] }, { metricsBearer: [] }];
    case 'elevenlabs':
      return one('elevenLabsSignature');
    case 'voxeq':
      return one('callgateSignature');
    case 'twilio':
      return one('twilioSignature');
  }
}

/** Bearer routes answer 401 themselves (the signed webhooks list their own 401s). */
export const isBearer = (auth: Auth) => auth === 'tool' || auth === 'ivr' || auth === 'admin' || auth === 'metrics';
