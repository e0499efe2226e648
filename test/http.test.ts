import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADA, enrolAda, makeTestApp, ring, SECRETS } from './helpers/app.js';
import { onWorker } from './helpers/runtime.js';
import { makeWorkerTestApp, type HttpTestApp } from './helpers/worker-app.js';

let t: HttpTestApp;
beforeAll(async () => {
  t = onWorker ? await makeWorkerTestApp() : await makeTestApp();
  await enrolAda(t);
  await ring(t, 'CA1');
});
afterAll(() => t.close());

const fields = (body: Record<string, any>) => (body.errors as { field: string }[]).map((e) => e.field);

describe('malformed requests get a 400 naming each bad field', () => {
  it.each([
    [{ call_id: 'CA1', conversation_id: 'c', action: 'fly' }, ['action']],
    [{ conversation_id: 'c', action: 'status' }, ['call_id']],
    [{ call_id: 'CA1', conversation_id: 'c', action: 'identify' }, ['account_ref']],
    [{ call_id: 'CA1', conversation_id: 'c', action: 'otp_send', channel: 'pigeon' }, ['channel']],
    [{ call_id: 'CA1', conversation_id: 'c', action: 'kba_verify' }, ['question_id', 'answer']],
    [{ call_id: 'CA1', conversation_id: 'c', action: 'otp_verify', code: 'x'.repeat(500) }, ['code']],
  ])('%j', async (body, expected) => {
    const res = await t.send('POST', '/tools/auth_orchestrator', body, SECRETS.tool);
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(res.body.reason).toBe('invalid_request');
    expect(fields(res.body).sort()).toEqual([...expected].sort());
  });

  it.each(['{not json', '[]', '"a string"', '', 'null'])('body %j', async (raw) => {
    const res = await t.send('POST', '/tools/auth_orchestrator', raw, SECRETS.tool);
    expect(res.status).toBe(400);
    expect(fields(res.body)).toEqual(['body']);
  });

  it('names nested admin fields', async () => {
    const res = await t.admin('POST', '/customers', {
      customer_id: 'bad id!',
      phones: ['12'],
      account_refs: [],
      kba: [{ id: 'q', level: 'expert', question: 'Which?', answer: '!!' }],
    });
    expect(res.status).toBe(400);
    expect(fields(res.body).sort()).toEqual(['account_refs', 'customer_id', 'kba.0.answer', 'kba.0.level', 'phones.0'].sort());
  });
});

describe('authentication of the caller of each surface', () => {
  it.each([
    ['POST', '/elevenlabs/initiation'],
    ['POST', '/tools/auth_orchestrator'],
    ['POST', '/tools/post/account_summary'],
    ['POST', '/admin/customers'],
    ['GET', '/admin/calls/CA1'],
    ['GET', '/admin/outbox'],
  ])('%s %s refuses a wrong secret with 401 JSON', async (method, path) => {
    const wrongFor = path.startsWith('/admin') ? SECRETS.tool : SECRETS.admin;
    const res = await t.send(method, path, method === 'GET' ? undefined : {}, wrongFor);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, reason: 'unauthorized' });
  });

  it('reads the scheme name case-insensitively, the token exactly', async () => {
    const call = (authorization: string) =>
      t.app.request('/tools/auth_orchestrator', { method: 'POST', headers: { authorization }, body: '{"call_id":"CA1","conversation_id":"conv-CA1","action":"status"}' });
    expect((await call(`bearer ${SECRETS.tool}`)).status).toBe(200);
    expect((await call(`BEARER   ${SECRETS.tool}`)).status).toBe(200);
    expect((await call(`Bearer ${SECRETS.tool.toUpperCase()}`)).status).toBe(401);
    expect((await call(`Bearer ${SECRETS.tool}x`)).status).toBe(401);
    expect((await call(SECRETS.tool)).status).toBe(401);
  });

  it('needs no secret for /healthz', async () => {
    expect((await t.app.request('/healthz')).status).toBe(200);
  });

  it('answers unknown routes with JSON 404', async () => {
    const res = await t.app.request('/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ success: false, reason: 'not_found' });
  });
});

describe('every answer is marked uncacheable and not sniffable', () => {
  const ok = (res: Response) => {
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  };
  const post = (path: string, body: string, token = SECRETS.tool) =>
    t.app.request(path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });

  it('on 200, 400, 401, 403, 404 and 413 answers alike', async () => {
    const answers = [
      await post('/tools/auth_orchestrator', JSON.stringify({ call_id: 'CA1', conversation_id: 'conv-CA1', action: 'status' })),
      await post('/tools/auth_orchestrator', '{not json'),
      await post('/tools/auth_orchestrator', '{}', 'wrong'),
      await post('/tools/post/account_summary', JSON.stringify({ call_id: 'CA1', conversation_id: 'conv-CA1' })),
      await t.app.request('/nope'),
      await post('/tools/auth_orchestrator', JSON.stringify({ pad: 'x'.repeat(64 * 1024) })),
      await t.app.request('/healthz'),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 400, 401, 403, 404, 413, 200]);
    for (const res of answers) ok(res);
  });
});

describe('size limits', () => {
  /** A tool call whose body is streamed (chunked, no Content-Length): `chunks` pieces, then the end. */
  const chunked = (chunks: Uint8Array[]) => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent < chunks.length) controller.enqueue(chunks[sent++]!);
        else controller.close();
      },
    });
    return t.app.request('/tools/auth_orchestrator', {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRETS.tool}` },
      body,
      duplex: 'half',
    } as RequestInit);
  };

  it('refuses an oversized chunked body (no Content-Length) while streaming it', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
    expect((await chunked(Array.from({ length: 8 }, () => chunk))).status).toBe(413);
  });

  it('accepts a small chunked body', async () => {
    const res = await chunked([new TextEncoder().encode(JSON.stringify({ call_id: 'CA1', conversation_id: 'conv-CA1', action: 'status' }))]);
    expect(res.status).toBe(200);
  });

  it('refuses an oversized body with 413 before reading it', async () => {
    const res = await t.send('POST', '/tools/auth_orchestrator', { call_id: 'CA1', pad: 'x'.repeat(64 * 1024) }, SECRETS.tool);
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ success: false, reason: 'payload_too_large' });
  });
});

describe('admin', () => {
  it('refuses a duplicate customer and an account ref owned by someone else', async () => {
    expect((await t.admin('POST', '/customers', ADA)).status).toBe(409);
    const clash = await t.admin('POST', '/customers', { customer_id: 'other', account_refs: ['ac1001-2002'] });
    expect(clash.status).toBe(409);
    expect(clash.body.reason).toBe('account_ref_taken');
  });

  it('enrols a device key once, refuses a private or malformed key', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const pub = await crypto.subtle.exportKey('jwk', pair.publicKey);
    const priv = await crypto.subtle.exportKey('jwk', pair.privateKey);
    const jwk = { kty: pub.kty, crv: pub.crv, x: pub.x, y: pub.y };
    expect((await t.admin('POST', '/customers/cust_ada/devices', { device_id: 'dev1', public_key_jwk: jwk })).status).toBe(201);
    expect((await t.admin('POST', '/customers/cust_ada/devices', { device_id: 'dev1', public_key_jwk: jwk })).status).toBe(200);
    expect((await t.admin('POST', '/customers/nobody/devices', { device_id: 'dev2', public_key_jwk: jwk })).status).toBe(404);
    const withD = await t.admin('POST', '/customers/cust_ada/devices', { device_id: 'dev3', public_key_jwk: priv });
    expect(withD.status).toBe(400);
    const offCurve = await t.admin('POST', '/customers/cust_ada/devices', { device_id: 'dev4', public_key_jwk: { ...jwk, x: jwk.y, y: jwk.x } });
    expect(offCurve.status).toBe(400);
    expect(fields(offCurve.body)).toEqual(['public_key_jwk']);
  });

  it('returns the audit trail of a call, 404 for an unknown one', async () => {
    const trail = await t.admin('GET', '/calls/CA1');
    expect(trail.status).toBe(200);
    expect(trail.body.auth_state).toMatchObject({ call_id: 'CA1', customer_id: 'cust_ada', identified_by: 'account_ref' });
    expect(trail.body.events[0]).toMatchObject({ type: 'call_created', source: 'initiation' });
    expect((await t.admin('GET', '/calls/nope')).status).toBe(404);
  });
});

describe('no client input produces a 5xx', () => {
  const json = fc.jsonValue({ maxDepth: 3 });
  const orchestratorish = fc.record(
    {
      call_id: fc.oneof(fc.constant('CA1'), fc.string(), json),
      conversation_id: fc.oneof(fc.constant('conv-CA1'), fc.string(), json),
      action: fc.oneof(fc.constantFrom('status', 'identify', 'otp_send', 'otp_verify', 'kba_question', 'kba_verify', 'handoff', 'did_wait'), json),
      account_ref: fc.oneof(fc.string(), json),
      channel: fc.oneof(fc.constantFrom('sms', 'email', 'app'), json),
      code: fc.oneof(fc.string(), fc.integer(), json),
      level: fc.oneof(fc.constantFrom('basic', 'advanced'), json),
      question_id: fc.oneof(fc.constantFrom('q_zip', 'q_deposit'), json),
      answer: fc.oneof(fc.string(), json),
      wait_seconds: fc.oneof(fc.integer(), json),
    },
    { requiredKeys: [] },
  );

  it.each([
    ['/tools/auth_orchestrator', orchestratorish],
    ['/elevenlabs/initiation', fc.record({ call_sid: fc.oneof(fc.string(), json), caller_id: json }, { requiredKeys: [] })],
    ['/tools/post/transfer_funds', fc.record({ call_id: fc.oneof(fc.constant('CA1'), json), amount: json, to_account: json }, { requiredKeys: [] })],
  ])('%s', async (path, arb) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(arb as fc.Arbitrary<unknown>, json, fc.string()), async (body) => {
        const res = await t.app.request(path, {
          method: 'POST',
          headers: { authorization: `Bearer ${SECRETS.tool}` },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        });
        expect(res.status).toBeLessThan(500);
        const parsed = (await res.json()) as { success: unknown; reason: unknown; type?: string };
        if (parsed.type === 'conversation_initiation_client_data') return; // the webhook's own success shape
        expect(typeof parsed.success).toBe('boolean');
        expect(parsed.reason).toMatch(/^[a-z_]+$/);
      }),
      { numRuns: 150 },
    );
  });
});
