import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody, SIGNATURE_HEADER } from '../src/crypto/signature.js';
import { ELEVENLABS_SIGNATURE_HEADER, signElevenLabsBody } from '../src/elevenlabs/webhook-signature.js';
import { postCallRoutes } from '../src/http/post-call.js';
import { buildDocument } from '../src/openapi/document.js';
import type { TwilioCallRedirector } from '../src/providers/twilio/calls.js';
import { twilioSignature } from '../src/providers/twilio/signature.js';
import { ADA, enrolAda, enrolDevice, makeTestApp, passKba, passOtp, PUBLIC_URL, ring, SECRETS, type TestApp } from './helpers/app.js';
import { covers, errorsOf, openApiSchemas, operationsOf } from './helpers/openapi.js';
import { pushDevice, pushPolicies } from './helpers/push-device.js';

// Real calls through the whole service, every answer checked against the document: its status is
// listed for the operation, its body fits that status' schema, and its reason is one the document names.

const doc = buildDocument() as any;
const ops = operationsOf(doc);
const schemas = openApiSchemas(doc);
const TWILIO_TOKEN = 'twilio-auth-token';
const VOXEQ_SECRET = 'voxeq-webhook-secret-0123456789abcdef';
const POST_CALL_SECRET = 'wsec_test_0123456789abcdef';
const redirector: TwilioCallRedirector = { redirect: async () => ({ ok: true, attempts: 1, status: 200 }) };

let t: TestApp;
let postCall: Hono;
const checked: { op: string; status: number; reason?: string }[] = [];
const problems: string[] = [];

async function conforms(method: string, url: string, res: Response) {
  const path = new URL(url, 'http://x').pathname;
  const op = ops.find((o) => o.method === method.toLowerCase() && (o.path === path || covers(o.path, path)));
  if (!op) return void problems.push(`${method} ${path}: not in the document`);
  const operation = doc.paths[op.path][op.method];
  const answer = operation.responses[res.status];
  if (!answer) return void problems.push(`${method} ${op.path}: status ${res.status} not documented`);
  const media = (res.headers.get('content-type') ?? '').split(';')[0]!;
  const text = await res.text();
  const body: unknown = media === 'application/json' ? JSON.parse(text) : text;
  const v = schemas.answer(op.path, op.method, res.status, media);
  if (!v) return void problems.push(`${method} ${op.path} ${res.status}: no ${media} schema`);
  if (!v(body)) problems.push(`${method} ${op.path} ${res.status}: ${errorsOf(v)} in ${text.slice(0, 300)}`);
  const reason = (body as { reason?: unknown }).reason;
  const listed: string[] | undefined = answer['x-callgate-reasons'];
  if (typeof reason === 'string' && listed && !listed.includes(reason)) problems.push(`${method} ${op.path} ${res.status}: reason ${reason} not listed`);
  checked.push({ op: `${method.toUpperCase()} ${op.path}`, status: res.status, ...(typeof reason === 'string' ? { reason } : {}) });
}

/** Every request of the helpers goes through app.request: observe each answer on its way back. */
function observe(app: Hono) {
  const request = app.request;
  app.request = (async (input: string, init?: RequestInit) => {
    const res = await request(input, init);
    await conforms(init?.method ?? 'GET', input, res.clone());
    return res;
  }) as typeof app.request;
}

beforeAll(async () => {
  t = await makeTestApp({ twilio: { authToken: TWILIO_TOKEN, redirector }, screen: { webhookSecret: VOXEQ_SECRET }, policies: pushPolicies() });
  observe(t.app);
  postCall = new Hono().route('/elevenlabs', postCallRoutes(t.services, { db: t.db, elevenlabs: { webhookSecret: POST_CALL_SECRET } }));
  observe(postCall);
});
afterAll(() => t.close());

const signed = async (path: string, raw: string) =>
  t.app.request(path, { method: 'POST', headers: { [SIGNATURE_HEADER]: await signBody(VOXEQ_SECRET, raw, Math.floor(t.clock.now() / 1000)) }, body: raw });

async function twilio(pathAndQuery: string, params: Record<string, string>) {
  const signature = await twilioSignature(TWILIO_TOKEN, PUBLIC_URL + pathAndQuery, params);
  return t.app.request(pathAndQuery, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
}

describe('answers over a whole day of calls fit the document', () => {
  it('plays enrolment, every factor, the tools, DID sessions, the screen, webhooks and erasure', async () => {
    expect((await t.app.request('/healthz')).status).toBe(200);
    await enrolAda(t);
    expect((await t.admin('POST', '/customers', ADA)).body.reason).toBe('customer_exists');
    expect((await t.admin('GET', '/customers?account_ref=ac%201001-2002')).body.customers).toHaveLength(1);
    const device = await enrolDevice(t, 'cust_ada', 'phone-1');

    // A call through OTP and KBA, then the tools.
    await t.post('account_summary', 'CA1');
    await ring(t, 'CA1');
    await t.tool('CA1', 'status');
    await t.tool('CA1', 'otp_verify', { code: '000000' });
    expect((await passOtp(t, 'CA1')).body.success).toBe(true);
    expect((await t.post('transfer_funds', 'CA1', { to_account: 'savings', amount: 25 })).status).toBe(403);
    expect((await passKba(t, 'CA1')).body.success).toBe(true);
    expect((await t.post('account_summary', 'CA1')).status).toBe(200);
    expect((await t.post('transfer_funds', 'CA1', { to_account: 'savings', amount: 25 })).status).toBe(200);
    expect((await t.post('transfer_funds', 'CA1', { to_account: 'savings', amount: 999_999 })).status).toBe(422);
    expect((await t.post('update_card_limit', 'CA1', { new_limit: 1500 })).status).toBe(200);
    await t.tool('CA1', 'identify', { account_ref: 'AC-1001-2002' });
    await t.send('POST', '/tools/auth_orchestrator', { call_id: 'CA1', conversation_id: 'other', action: 'status' }, SECRETS.tool);

    // The phone app, from the agent and from an IVR.
    await ring(t, 'CA2');
    const issued = await t.tool('CA2', 'did_issue');
    expect(issued.body.did).toMatch(/^\d{6}$/);
    expect((await t.tool('CA2', 'did_cancel')).body.did_status).toBe('canceled');
    await t.tool('CA2', 'screen');
    await t.tool('CA2', 'handoff');
    await t.tool('CA2', 'status');
    const created = await t.ivr('POST', '/sessions', { provider: 'genesys', callId: 'g-1', ani: '+14155550142' });
    expect(created.status).toBe(201);
    expect((await t.ivr('POST', '/sessions', { provider: 'genesys', callId: 'g-1' })).status).toBe(200);
    const id = created.body.sessionId as string;
    await t.ivr('GET', `/sessions/${id}`);
    await t.ivr('GET', `/sessions/${id}?wait=99`);
    await t.appPost('/challenge', { device_id: 'phone-1', did: created.body.did === '000000' ? '111111' : '000000' });
    expect((await device.confirm(created.body.did as string)).body.status).toBe('confirmed');
    expect((await t.ivr('GET', `/sessions/${id}`)).body.customerId).toBe('cust_ada');
    await t.ivr('POST', `/sessions/${id}/cancel`);
    await t.ivr('POST', '/sessions', { provider: 'genesys', callId: 'g-2', accountRef: 'NOBODY-1' });

    // Push approval: a device registers, one call is approved, another denied ("this wasn't me").
    const pushPhone = await pushDevice(t, 'cust_ada', 'phone-2');
    expect((await pushPhone.register()).status).toBe(200);
    await ring(t, 'CA3');
    const pushed = await t.tool('CA3', 'push_send');
    expect(pushed.body.push_number).toMatch(/^\d{2}$/);
    expect((await pushPhone.approve(await pushPhone.challenge(), pushed.body.push_number)).status).toBe(200);
    expect((await t.tool('CA3', 'push_wait', { wait_seconds: 1 })).body.success).toBe(true);
    await ring(t, 'CA4');
    await t.tool('CA4', 'push_send');
    expect((await pushPhone.deny(await pushPhone.challenge())).status).toBe(200);
    await ring(t, 'CA5');
    expect((await t.tool('CA5', 'push_send')).body.reason).toBe('push_paused');

    // Twilio's TwiML flow.
    const sid = `CA${'ab'.repeat(16)}`;
    const verify = await twilio('/ivr/twilio/verify', { CallSid: sid, From: '+14155550142', To: '+18005550100' });
    expect(verify.status).toBe(200);
    const session = (await t.services.did.pendingForCall(sid))[0]!;
    await twilio(`/ivr/twilio/wait?session=${session.id}`, { CallSid: sid, Digits: '0' });
    await twilio('/ivr/twilio/failure?locale=es-US', { CallSid: sid });
    await twilio('/ivr/twilio/success', { CallSid: sid });

    // The fraud screen and the post-call webhook.
    const result = JSON.stringify({ call_id: 'CA1', risk: 'clear', watch_list: false, synthetic_voice: false, profile_mismatch: false, poor_audio: false });
    expect((await signed('/voxeq/results', result)).status).toBe(200);
    expect((await signed('/voxeq/results', result)).status).toBe(409);
    await signed('/voxeq/results', result.replace('CA1', 'CA-none'));
    const deliver = async (event: unknown) => {
      const raw = JSON.stringify(event);
      const header = await signElevenLabsBody(POST_CALL_SECRET, raw, Math.floor(t.clock.now() / 1000));
      return postCall.request('/elevenlabs/post-call', { method: 'POST', headers: { [ELEVENLABS_SIGNATURE_HEADER]: header }, body: raw });
    };
    expect((await (await deliver({ type: 'post_call_transcription', data: { conversation_id: 'conv-CA1' } })).json()).reason).toBe('ok');
    await deliver({ type: 'post_call_audio', data: {} });
    await deliver({ type: 'post_call_transcription', data: { conversation_id: 'conv-nobody' } });

    // The operator's view, then erasure.
    const accounts = { accounts: [{ ref: 'CHK-1000-4211', kind: 'checking', balance_cents: 245000 }, { ref: 'CRD-4000-1187', kind: 'card', card_limit_cents: 500000 }] };
    expect((await t.admin('POST', '/customers/cust_ada/accounts', accounts)).status).toBe(201);
    expect((await t.admin('POST', '/customers/cust_ada/accounts', accounts)).status).toBe(200);
    await t.admin('POST', '/customers/nobody/accounts', accounts);
    await t.admin('POST', '/customers/cust_ada/accounts', { accounts: [{ ref: 'x', kind: 'loan' }] });
    await t.admin('GET', '/outbox');
    expect((await t.admin('GET', '/calls?limit=2')).body.next_cursor).toEqual(expect.any(String));
    await t.admin('GET', '/calls/CA1');
    await t.admin('GET', '/calls/CA2');
    expect((await t.app.request('/metrics', { headers: { authorization: `Bearer ${SECRETS.admin}` } })).status).toBe(200);
    await t.admin('DELETE', '/customers/cust_ada/devices/phone-1');
    await t.admin('DELETE', '/customers/cust_ada/devices/phone-1');
    expect((await t.admin('DELETE', '/customers/cust_ada')).body.status).toBe('erased');
    expect((await t.admin('DELETE', '/customers/cust_ada')).body.status).toBe('already_erased');

    expect(problems).toEqual([]);
  });

  it('checked every operation of the document, with at least one success each', () => {
    const succeeded = new Set(checked.filter((c) => c.status < 300).map((c) => c.op));
    const missing = ops.map((o) => `${o.method.toUpperCase()} ${o.path}`).filter((o) => !succeeded.has(o) && o !== 'GET /openapi.json');
    expect(missing).toEqual([]);
  });

  it('saw a spread of orchestrator reasons, each one the document lists', () => {
    const reasons = new Set(checked.filter((c) => c.op === 'POST /tools/auth_orchestrator').map((c) => c.reason));
    expect(reasons.size).toBeGreaterThanOrEqual(5);
    expect(reasons).toContain('conversation_mismatch');
    expect(checked.filter((c) => c.status >= 400).length).toBeGreaterThanOrEqual(8);
  });

  it('the check can fail: an answer that breaks its schema is reported', async () => {
    const before = problems.length;
    await conforms('GET', '/healthz', new Response(JSON.stringify({ ok: 'yes' }), { headers: { 'content-type': 'application/json' } }));
    await conforms('POST', '/tools/auth_orchestrator', new Response(JSON.stringify({ success: false, reason: 'made_up' }), { status: 401, headers: { 'content-type': 'application/json' } }));
    await conforms('GET', '/healthz', new Response('{}', { status: 418, headers: { 'content-type': 'application/json' } }));
    expect(problems.slice(before)).toHaveLength(3);
    problems.length = before;
  });
});
