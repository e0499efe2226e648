// A local Firebase Cloud Messaging that speaks Google's wire format: the OAuth 2.0 token endpoint of
// a service account (RFC 7523 JWT bearer grant; the RS256 assertion is verified with the account's
// public key, its grant type, audience, scope and lifetime checked) and the HTTP v1 messages:send
// endpoint (bearer token, project, message shape, string-only data; the v1 error bodies for an
// unknown token, a revoked credential or a bad field). Written with node:crypto, independently of
// the adapter it checks.
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FcmMessage {
  token: string;
  data: Record<string, string>;
  android: Record<string, unknown>;
  apns?: { headers?: Record<string, string>; payload?: Record<string, unknown> };
  accessToken: string;
}

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const fcmError = (code: number, status: string, message: string, errorCode?: string) => ({
  error: {
    code,
    message,
    status,
    ...(errorCode ? { details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] } : {}),
  },
});

/** Why an assertion is refused, or its claims. */
function checkAssertion(jwt: string, key: KeyObject, expect: { kid: string; iss: string; aud: string }): string | { iat: number; exp: number } {
  const parts = jwt.split('.');
  if (parts.length !== 3) return 'not a JWT';
  const [h, p, s] = parts as [string, string, string];
  if (!verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) return 'Invalid JWT Signature.';
  const head = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
  const c = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  const now = Date.now() / 1000;
  if (head.alg !== 'RS256') return 'alg must be RS256';
  if (head.kid !== undefined && head.kid !== expect.kid) return 'unknown kid';
  if (c.iss !== expect.iss) return 'wrong iss';
  if (c.aud !== expect.aud) return 'Invalid JWT: aud';
  if (typeof c.scope !== 'string' || !c.scope.split(' ').includes(SCOPE)) return 'scope missing firebase.messaging';
  if (typeof c.iat !== 'number' || typeof c.exp !== 'number') return 'iat and exp required';
  if (c.iat > now + 60 || c.exp <= now || c.exp - c.iat > 3600) return 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.';
  return { iat: c.iat, exp: c.exp };
}

export async function startFakeFcm(projectId = 'callgate-test-1') {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(20).toString('hex');
  const clientEmail = `callgate-push@${projectId}.iam.gserviceaccount.com`;
  const registered = new Set<string>();
  /** Access tokens not revoked. */
  const live = new Set<string>();
  /** Registration tokens of apps still installed. */
  const installed = new Set<string>();
  const messages: FcmMessage[] = [];
  const refusals: string[] = [];
  const assertions: string[] = [];
  const issued: string[] = [];
  /** Answers the next sends get instead of a delivery (a quota or an outage). */
  const scripted: { status: number; body: unknown }[] = [];
  let sendAttempts = 0;
  let origin = '';

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const answer = (status: number, body: unknown, why?: string) => {
        if (why) refusals.push(why);
        res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
      };
      if (req.method === 'POST' && req.url === '/token') {
        if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return answer(400, { error: 'invalid_request' }, 'token: not form-encoded');
        const form = new URLSearchParams(text);
        if (form.get('grant_type') !== GRANT) return answer(400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' + form.get('grant_type') }, 'token: grant_type');
        const assertion = form.get('assertion') ?? '';
        const checked = checkAssertion(assertion, publicKey, { kid, iss: clientEmail, aud: `${origin}/token` });
        if (typeof checked === 'string') return answer(400, { error: 'invalid_grant', error_description: checked }, `token: ${checked}`);
        assertions.push(assertion);
        const token = `ya29.${randomBytes(24).toString('base64url')}`;
        issued.push(token);
        live.add(token);
        return answer(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
      }
      const m = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) return answer(404, fcmError(404, 'NOT_FOUND', 'no such method'), `no route ${req.method} ${req.url}`);
      sendAttempts++;
      const next = scripted.shift();
      if (next) return answer(next.status, next.body, `send: scripted ${next.status}`);
      const bearer = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      if (!bearer || !live.has(bearer))
        return answer(401, fcmError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.'), 'send: bad bearer');
      if (decodeURIComponent(m[1]!) !== projectId) return answer(403, fcmError(403, 'PERMISSION_DENIED', 'Permission denied on resource project.', 'SENDER_ID_MISMATCH'), 'send: project');
      let body: { message?: Partial<FcmMessage> & { data?: Record<string, unknown> } };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        return answer(400, fcmError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'), 'send: json');
      }
      const msg = body.message;
      const bad = (field: string) => answer(400, fcmError(400, 'INVALID_ARGUMENT', `Invalid value at '${field}'`, 'INVALID_ARGUMENT'), `send: ${field}`);
      if (!msg || typeof msg.token !== 'string') return bad('message.token');
      for (const [k, v] of Object.entries(msg.data ?? {})) if (typeof v !== 'string') return bad(`message.data[${k}].value`);
      const android = (msg.android ?? {}) as Record<string, unknown>;
      if (android.priority !== undefined && android.priority !== 'high' && android.priority !== 'normal') return bad('message.android.priority');
      if (android.ttl !== undefined && !/^\d+(\.\d{1,9})?s$/.test(String(android.ttl))) return bad('message.android.ttl');
      if (!registered.has(msg.token))
        return answer(400, fcmError(400, 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token', 'INVALID_ARGUMENT'), 'send: unknown token');
      if (!installed.has(msg.token)) return answer(404, fcmError(404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED'), 'send: unregistered');
      messages.push({ token: msg.token, data: msg.data as Record<string, string>, android, ...(msg.apns ? { apns: msg.apns } : {}), accessToken: bearer });
      answer(200, { name: `projects/${projectId}/messages/0:${randomBytes(8).toString('hex')}` });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    projectId,
    messages,
    refusals,
    /** Every assertion the token endpoint accepted (one per access token granted). */
    assertions,
    /** Every access token granted. */
    issued,
    /** How many messages:send requests arrived (accepted or not). */
    sendAttempts: () => sendAttempts,
    /** The next send answers 429 QUOTA_EXCEEDED or 503 UNAVAILABLE, as FCM does under load. */
    failNext(status: 429 | 503) {
      scripted.push({
        status,
        body: status === 429 ? fcmError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', 'QUOTA_EXCEEDED') : fcmError(503, 'UNAVAILABLE', 'The service is currently unavailable.', 'UNAVAILABLE'),
      });
    },
    /** The service account's JSON key file, as the Google Cloud console downloads it. */
    serviceAccountJson: () =>
      JSON.stringify({
        type: 'service_account',
        project_id: projectId,
        private_key_id: kid,
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
        client_email: clientEmail,
        client_id: '1234567890',
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: `${origin}/token`,
      }),
    privateKeyPem: () => privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    /** A new registration token, as the FCM SDK gives an installed app. */
    register(): string {
      const token = `${randomBytes(16).toString('base64url')}:APA91b${randomBytes(100).toString('base64url')}`;
      registered.add(token);
      installed.add(token);
      return token;
    },
    /** The app was uninstalled: sends to the token answer 404 UNREGISTERED. */
    unregister(token: string) {
      installed.delete(token);
    },
    /** Google revokes every access token granted so far (sends with them answer 401). */
    revokeAccessTokens() {
      for (const t of issued) live.delete(t);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export type FakeFcm = Awaited<ReturnType<typeof startFakeFcm>>;
