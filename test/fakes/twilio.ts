// A local stand-in for api.twilio.com that speaks its wire format, for the two calls callgate makes:
//   POST /2010-04-01/Accounts/{AccountSid}/Messages.json          (send an SMS)
//   POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json   (redirect a live call: Url, Method)
// Form-encoded requests, HTTP Basic auth (AccountSid:AuthToken), JSON answers shaped like Twilio's
// resources, and Twilio's error body {code, message, more_info, status}. Every request is recorded.
import { randomBytes } from 'node:crypto';
import { startRecordingServer, type FakeControls, type RecordedRequest, type Reply } from './server.js';

export const FAKE_TWILIO_ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const FAKE_TWILIO_AUTH_TOKEN = 'f00dfacef00dfacef00dfacef00dface';

export interface TwilioRequest extends RecordedRequest {
  /** The form fields (application/x-www-form-urlencoded). */
  form: Record<string, string>;
  /** Decoded Basic credentials, or null when absent/garbled. */
  auth: { user: string; password: string } | null;
  kind: 'message' | 'call_update' | 'other';
  /** For call updates: the CallSid of the path. */
  callSid?: string;
}

export interface FakeMessage {
  sid: string;
  to: string;
  from: string | null;
  messaging_service_sid: string | null;
  body: string;
  status: string;
}

export interface FakeTwilio extends FakeControls {
  url: string;
  accountSid: string;
  authToken: string;
  requests: TwilioRequest[];
  /** Messages the fake accepted (201), oldest first. */
  messages: FakeMessage[];
  /** Call updates the fake accepted (200), oldest first. */
  callUpdates: { callSid: string; url?: string; method: string; status?: string }[];
  /** From now on, updates of this call answer Twilio's 21220 (the call is no longer in progress). */
  endCall(callSid: string): void;
  /** From now on, updates of this call answer 404 / 20404 (no such call in this account). */
  unknownCall(callSid: string): void;
}

export interface FakeTwilioOptions {
  accountSid?: string;
  authToken?: string;
}

const E164 = /^\+[1-9]\d{1,14}$/;
const MESSAGING_SERVICE_SID = /^MG[0-9a-f]{32}$/;
const CALL_SID = /^CA[0-9a-f]{32}$/;
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;
/** Twilio dates are RFC 2822: "Thu, 24 Aug 2023 05:01:45 +0000". */
const rfc2822 = (d = new Date()) => d.toUTCString().replace('GMT', '+0000');

function twilioError(status: number, code: number, message: string): Reply {
  return {
    status,
    body: JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }),
  };
}

const GENERIC: Record<number, [number, string]> = {
  400: [20001, 'Bad Request'],
  401: [20003, 'Authenticate'],
  404: [20404, 'The requested resource was not found'],
  429: [20429, 'Too Many Requests'],
  500: [20500, 'Internal Server Error'],
  503: [20503, 'Service Unavailable'],
};

function decodeBasic(header: string | undefined): TwilioRequest['auth'] {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!m) return null;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? null : { user: text.slice(0, i), password: text.slice(i + 1) };
}

export async function startFakeTwilio(opts: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  const accountSid = opts.accountSid ?? FAKE_TWILIO_ACCOUNT_SID;
  const authToken = opts.authToken ?? FAKE_TWILIO_AUTH_TOKEN;
  const messages: FakeMessage[] = [];
  const callUpdates: FakeTwilio['callUpdates'] = [];
  const endedCalls = new Set<string>();
  const unknownCalls = new Set<string>();
  const base = `/2010-04-01/Accounts/${accountSid}`;

  const classify = (req: RecordedRequest): TwilioRequest => {
    const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const form = isForm ? Object.fromEntries(new URLSearchParams(req.rawBody)) : {};
    const auth = decodeBasic(req.headers.authorization);
    const call = /^\/2010-04-01\/Accounts\/[^/]+\/Calls\/([^/]+)\.json$/.exec(req.path);
    const kind = /^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/.test(req.path) ? 'message' : call ? 'call_update' : 'other';
    return { ...req, form, auth, kind, ...(call ? { callSid: decodeURIComponent(call[1]!) } : {}) };
  };

  const answer = (req: TwilioRequest): Reply => {
    if (req.kind === 'other' || !req.path.startsWith(`${base}/`))
      return twilioError(404, 20404, `The requested resource ${req.path} was not found`);
    if (!req.auth || req.auth.user !== accountSid || req.auth.password !== authToken) return twilioError(401, 20003, 'Authenticate');
    if (req.method !== 'POST') return twilioError(405, 20004, 'Method not allowed');
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      return twilioError(400, 20001, 'Content-Type must be application/x-www-form-urlencoded');
    return req.kind === 'message' ? createMessage(req.form) : updateCall(req.callSid!, req.form);
  };

  function createMessage(form: Record<string, string>): Reply {
    const to = form.To;
    const from = form.From;
    const service = form.MessagingServiceSid;
    const body = form.Body;
    if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!from && !service) return twilioError(400, 21603, "A 'From' phone number is required.");
    if (!body) return twilioError(400, 21602, 'Message body is required.');
    if (!E164.test(to)) return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (from && !E164.test(from) && !ALPHANUMERIC_SENDER.test(from))
      return twilioError(400, 21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
    if (!from && service && !MESSAGING_SERVICE_SID.test(service))
      return twilioError(400, 21701, `The Messaging Service Sid ${service} is invalid.`);
    if (body.length > 1600) return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');

    const messageSid = sid('SM');
    const now = rfc2822();
    const uri = `${base}/Messages/${messageSid}.json`;
    const message: FakeMessage = {
      sid: messageSid,
      to,
      from: from ?? null,
      messaging_service_sid: service ?? null,
      body,
      status: from ? 'queued' : 'accepted',
    };
    messages.push(message);
    return {
      status: 201,
      body: JSON.stringify({
        account_sid: accountSid,
        api_version: '2010-04-01',
        body,
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: message.from,
        messaging_service_sid: message.messaging_service_sid,
        num_media: '0',
        num_segments: String(Math.max(1, Math.ceil(body.length / 160))),
        price: null,
        price_unit: 'USD',
        sid: messageSid,
        status: message.status,
        subresource_uris: { media: `${base}/Messages/${messageSid}/Media.json` },
        to,
        uri,
      }),
    };
  }

  function updateCall(callSid: string, form: Record<string, string>): Reply {
    if (!CALL_SID.test(callSid) || unknownCalls.has(callSid))
      return twilioError(404, 20404, `The requested resource ${base}/Calls/${callSid}.json was not found`);
    const url = form.Url;
    const method = (form.Method ?? 'POST').toUpperCase();
    const status = form.Status;
    if (url === undefined && form.Twiml === undefined && status === undefined)
      return twilioError(400, 20001, 'At least one of Url, Twiml or Status is required');
    if (url !== undefined) {
      let ok = false;
      try {
        const u = new URL(url);
        ok = u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        ok = false;
      }
      if (!ok) return twilioError(400, 21205, `Url is not a valid URL: ${url}`);
    }
    if (method !== 'GET' && method !== 'POST') return twilioError(400, 21209, `Method ${method} is not valid`);
    if (status !== undefined && status !== 'completed' && status !== 'canceled')
      return twilioError(400, 20001, `Status must be completed or canceled`);
    if (endedCalls.has(callSid)) return twilioError(400, 21220, 'Call is not in-progress. Cannot redirect.');
    if (status !== undefined) endedCalls.add(callSid);
    callUpdates.push({ callSid, ...(url !== undefined ? { url } : {}), method, ...(status !== undefined ? { status } : {}) });

    const now = rfc2822();
    return {
      status: 200,
      body: JSON.stringify({
        account_sid: accountSid,
        annotation: null,
        answered_by: null,
        api_version: '2010-04-01',
        caller_name: null,
        date_created: now,
        date_updated: now,
        direction: 'inbound',
        duration: null,
        end_time: status !== undefined ? now : null,
        forwarded_from: null,
        from: '+15005550006',
        from_formatted: '(500) 555-0006',
        group_sid: null,
        parent_call_sid: null,
        phone_number_sid: sid('PN'),
        price: null,
        price_unit: 'USD',
        queue_time: '0',
        sid: callSid,
        start_time: now,
        status: status ?? 'in-progress',
        subresource_uris: {
          notifications: `${base}/Calls/${callSid}/Notifications.json`,
          recordings: `${base}/Calls/${callSid}/Recordings.json`,
        },
        to: '+15005550001',
        to_formatted: '(500) 555-0001',
        trunk_sid: null,
        uri: `${base}/Calls/${callSid}.json`,
      }),
    };
  }

  const server = await startRecordingServer<TwilioRequest>(classify, answer, (status) => {
    const [code, message] = GENERIC[status] ?? [20500, 'Internal Server Error'];
    return twilioError(status, code, message).body!;
  });

  return {
    ...server,
    accountSid,
    authToken,
    messages,
    callUpdates,
    endCall(callSid) {
      endedCalls.add(callSid);
    },
    unknownCall(callSid) {
      unknownCalls.add(callSid);
    },
  };
}
