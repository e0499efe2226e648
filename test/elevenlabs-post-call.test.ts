// POST /elevenlabs/post-call: signatures (good, bad, missing, stale), what a verified event does to
// the call, and the proof that our WebCrypto check and the SDK's constructEvent agree.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ELEVENLABS_SIGNATURE_HEADER, MAX_AGE_SECONDS, signElevenLabsBody, verifyElevenLabsSignature } from '../src/elevenlabs/webhook-signature.js';
import { postCallRoutes } from '../src/http/post-call.js';
import { enrolAda, enrolDevice, makeTestApp, passOtp, ring, type TestApp } from './helpers/app.js';

const SECRET = 'wsec_test_0123456789abcdef';
let t: TestApp;
let hook: Hono;

beforeEach(async () => {
  t = await makeTestApp();
  // The route as createApp mounts it, here with the webhook secret configured.
  hook = new Hono().route('/elevenlabs', postCallRoutes(t.services, { db: t.db, elevenlabs: { webhookSecret: SECRET } }));
  await enrolAda(t);
});
afterEach(() => t.close());

const nowSeconds = () => Math.floor(t.clock.now() / 1000);

async function deliver(event: unknown, opts: { t?: number; secret?: string; header?: string | null; body?: string } = {}) {
  const raw = opts.body ?? JSON.stringify(event);
  const header = opts.header === undefined ? await signElevenLabsBody(opts.secret ?? SECRET, raw, opts.t ?? nowSeconds()) : opts.header;
  const res = await hook.request('/elevenlabs/post-call', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(header === null ? {} : { [ELEVENLABS_SIGNATURE_HEADER]: header }) },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const transcription = (conversationId: string, extra: Record<string, unknown> = {}) => ({
  type: 'post_call_transcription',
  event_timestamp: nowSeconds(),
  data: { agent_id: 'agent_1', conversation_id: conversationId, status: 'done', transcript: [], metadata: { call_duration_secs: 61 }, ...extra },
});

const events = (callId: string) => t.eventTypes(callId);
const outcome = (callId: string) =>
  (t.sqlite.prepare("select data from events where call_id = ? and type = 'call_outcome'").all(callId) as { data: string }[]).map((r) => JSON.parse(r.data));

describe('POST /elevenlabs/post-call in the app', () => {
  it('is mounted, not behind the bearer, and answers 503 not_configured without ELEVENLABS_WEBHOOK_SECRET', async () => {
    const res = await t.app.request('/elevenlabs/post-call', { method: 'POST', body: '{}' });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ success: false, reason: 'not_configured' });
  });
});

describe('signatures', () => {
  beforeEach(async () => {
    await ring(t, 'CA1');
    await t.tool('CA1', 'status');
  });

  it('accepts a good signature and ends the call', async () => {
    const r = await deliver(transcription('conv-CA1'));
    expect(r).toEqual({ status: 200, body: { success: true, reason: 'ok', type: 'post_call_transcription', call_id: 'CA1', status: 'ended' } });
    expect((await t.services.calls.get('CA1'))!.status).toBe('ended');
  });

  it.each([
    ['missing', { header: null }, 'missing_signature'],
    ['empty', { header: '' }, 'missing_signature'],
    ['malformed', { header: 't=abc,v0=zz' }, 'malformed_signature'],
    ['without v0', { header: `t=${Math.floor(Date.UTC(2026, 10, 23, 9) / 1000)}` }, 'malformed_signature'],
    ['made with another secret', { secret: 'wsec_other' }, 'bad_signature'],
    ['31 minutes old', { t: -(MAX_AGE_SECONDS + 60) }, 'stale_signature'],
    ['10 minutes in the future', { t: 600 }, 'stale_signature'],
  ])('refuses a %s signature with 401 and changes nothing', async (_label, opts, reason) => {
    const o = { ...opts } as { t?: number; secret?: string; header?: string | null };
    if (o.t !== undefined) o.t = nowSeconds() + o.t;
    const r = await deliver(transcription('conv-CA1'), o);
    expect(r).toEqual({ status: 401, body: { success: false, reason } });
    expect((await t.services.calls.get('CA1'))!.status).toBe('pending');
    expect(events('CA1')).not.toContain('call_ended');
  });

  it('refuses a body changed after signing', async () => {
    const raw = JSON.stringify(transcription('conv-CA1'));
    const header = await signElevenLabsBody(SECRET, raw, nowSeconds());
    const r = await deliver(null, { header, body: raw.replace('conv-CA1', 'conv-CA2') });
    expect(r.status).toBe(401);
    expect(r.body.reason).toBe('bad_signature');
  });

  it('accepts a signature 29 minutes old (the SDK’s window)', async () => {
    expect((await deliver(transcription('conv-CA1'), { t: nowSeconds() - 29 * 60 })).status).toBe(200);
  });
});

describe('what a verified event does', () => {
  it('records time-to-verify and containment once, however often the webhook arrives', async () => {
    await ring(t, 'CA2');
    t.clock.advance(45_000);
    expect((await passOtp(t, 'CA2')).body.privileged_allowed).toBe(true);
    const call = (await t.services.calls.get('CA2'))!;

    const first = await deliver(transcription('conv-CA2'));
    const again = await deliver(transcription('conv-CA2'));
    expect(first.body).toMatchObject({ reason: 'ok', status: 'ended' });
    expect(again.body).toMatchObject({ reason: 'ok', status: 'ended' });
    expect(events('CA2').filter((e) => e === 'call_ended')).toHaveLength(1);
    expect(outcome('CA2')).toEqual([
      {
        event: 'post_call_transcription',
        status_before: 'authenticated',
        status: 'ended',
        authenticated: true,
        time_to_verify_ms: call.authenticatedAt! - call.createdAt,
        handed_off: false,
        blocked: false,
        contained: true,
        factors: ['otp'],
        call_duration_secs: 61,
      },
    ]);
    expect(call.authenticatedAt! - call.createdAt).toBe(45_000);
    // An ended call answers nothing privileged any more.
    expect((await t.post('account_summary', 'CA2')).status).toBe(403);
  });

  it('finds a call by its Twilio call SID when no tool was ever called', async () => {
    await ring(t, 'CA3', undefined, { identify: false });
    const r = await deliver(transcription('conv-never-bound', { metadata: { phone_call: { type: 'twilio', call_sid: 'CA3' } } }));
    expect(r.body).toMatchObject({ reason: 'ok', call_id: 'CA3', status: 'ended' });
    expect(outcome('CA3')[0]).toMatchObject({ authenticated: false, contained: false, status_before: 'pending' });
  });

  it('ends a call on call_initiation_failure (Twilio metadata)', async () => {
    await ring(t, 'CA4', undefined, { identify: false });
    const r = await deliver({
      type: 'call_initiation_failure',
      event_timestamp: nowSeconds(),
      data: { agent_id: 'agent_1', conversation_id: 'conv-failed', failure_reason: 'busy', metadata: { type: 'twilio', body: { CallSid: 'CA4', CallStatus: 'busy' } } },
    });
    expect(r.body).toMatchObject({ reason: 'ok', type: 'call_initiation_failure', call_id: 'CA4', status: 'ended' });
    expect(outcome('CA4')[0]).toMatchObject({ event: 'call_initiation_failure', failure_reason: 'busy', authenticated: false });
  });

  it('cancels a pending DID session', async () => {
    await enrolDevice(t, 'cust_ada', 'phone-1');
    await ring(t, 'CA5');
    await t.tool('CA5', 'identify', { account_ref: 'AC-1001-2002' });
    const issued = await t.tool('CA5', 'did_issue');
    expect(issued.body).toMatchObject({ success: true, did: expect.stringMatching(/^\d{6}$/) });
    await deliver(transcription('conv-CA5'));
    const session = await t.services.did.latestForCall('CA5');
    expect(session!.status).toBe('canceled');
    expect(events('CA5')).toEqual(expect.arrayContaining(['did_issued', 'call_ended', 'canceled', 'call_outcome']));
  });

  it('records a handed-off call as not contained and leaves its status', async () => {
    await ring(t, 'CA6');
    await t.tool('CA6', 'handoff');
    expect((await t.services.calls.get('CA6'))!.status).toBe('handed_off');
    const r = await deliver(transcription('conv-CA6'));
    expect(r.body).toMatchObject({ reason: 'ok', status: 'handed_off' });
    expect(events('CA6')).not.toContain('call_ended');
    expect(outcome('CA6')[0]).toMatchObject({ handed_off: true, contained: false, authenticated: false });
  });

  it('answers 200 for an unknown conversation, and never ends a call another conversation holds', async () => {
    expect(await deliver(transcription('conv-nobody'))).toEqual({ status: 200, body: { success: true, reason: 'unknown_call', type: 'post_call_transcription' } });
    await ring(t, 'CA7');
    await t.tool('CA7', 'status'); // binds conv-CA7
    const r = await deliver(transcription('conv-intruder', { metadata: { phone_call: { type: 'twilio', call_sid: 'CA7' } } }));
    expect(r.body.reason).toBe('unknown_call');
    expect((await t.services.calls.get('CA7'))!.status).toBe('pending');
  });

  it('acknowledges other event types without acting', async () => {
    await ring(t, 'CA8');
    await t.tool('CA8', 'status');
    const r = await deliver({ type: 'post_call_audio', event_timestamp: nowSeconds(), data: { conversation_id: 'conv-CA8', full_audio: 'SUQz' } });
    expect(r).toEqual({ status: 200, body: { success: true, reason: 'ignored', type: 'post_call_audio' } });
    expect((await t.services.calls.get('CA8'))!.status).toBe('pending');
  });

  it('answers 400 for a signed body that is not JSON', async () => {
    const r = await deliver(null, { body: 'not json', header: await signElevenLabsBody(SECRET, 'not json', nowSeconds()) });
    expect(r.status).toBe(400);
  });
});

describe('our WebCrypto check agrees with the SDK’s constructEvent', () => {
  const sdk = new ElevenLabsClient({ apiKey: 'unused' }).webhooks;
  const now = () => Math.floor(Date.now() / 1000);
  const bodies = [
    '{}',
    JSON.stringify({ type: 'post_call_transcription', event_timestamp: 1739537297, data: { conversation_id: 'conv-x', transcript: [] } }),
    '{"type":"post_call_transcription","data":{"note":"ünïcødé ✓"}}'];

  it.each(bodies.map((b, i) => [i, b]))('both accept what ElevenLabs signs (body %i)', async (_i, body) => {
    const t0 = now();
    // The documented scheme, computed independently with node:crypto.
    const independent = `t=${t0},v0=${createHmac('sha256', SECRET).update(`${t0}.${body}`).digest('hex')}`;
    expect(await signElevenLabsBody(SECRET, body, t0)).toBe(independent);
    expect(await sdk.constructEvent(body, independent, SECRET)).toEqual(JSON.parse(body));
    expect(await verifyElevenLabsSignature(SECRET, independent, body, now())).toEqual({ ok: true, t: t0 });
  });

  it.each([
    ['a wrong secret', async (b: string) => signElevenLabsBody('other', b, now())],
    ['a tampered body', async (b: string) => signElevenLabsBody(SECRET, `${b} `, now())],
    ['a stale timestamp', async (b: string) => signElevenLabsBody(SECRET, b, now() - MAX_AGE_SECONDS - 120)],
    ['no v0', async () => `t=${now()}`],
  ])('both refuse %s', async (_label, make) => {
    for (const body of bodies) {
      const header = await make(body);
      await expect(sdk.constructEvent(body, header, SECRET)).rejects.toThrow();
      expect((await verifyElevenLabsSignature(SECRET, header, body, now())).ok).toBe(false);
    }
  });

  describe('over the same generated headers, with the only differences listed', () => {
    // A fixed clock for both sides: the SDK reads Date.now().
    const NOW = 1_764_000_000;
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(NOW * 1000);
    });
    afterEach(() => vi.useRealTimers());

    const body = JSON.stringify({ type: 'post_call_transcription', event_timestamp: NOW, data: { conversation_id: 'conv-x' } });
    /** The MAC over "<t>.<body>" for `t` exactly as written in the header. */
    const mac = (t: string | number, secret = SECRET, b = body) => createHmac('sha256', secret).update(`${t}.${b}`).digest('hex');
    const good = (t: number) => `t=${t},v0=${mac(t)}`;

    const HEADERS: Record<string, string> = {
      'as ElevenLabs sends it': good(NOW),
      'v0 before t': `v0=${mac(NOW)},t=${NOW}`,
      '29 minutes old': good(NOW - 29 * 60),
      '31 minutes old': good(NOW - 31 * 60),
      '4 minutes ahead': good(NOW + 4 * 60),
      '10 minutes ahead': good(NOW + 10 * 60),
      'a day ahead': good(NOW + 86_400),
      'upper-case hex': `t=${NOW},v0=${mac(NOW).toUpperCase()}`,
      'a space after the comma': `t=${NOW}, v0=${mac(NOW)}`,
      'a space before t': ` t=${NOW},v0=${mac(NOW)}`,
      'a space inside v0': `t=${NOW},v0= ${mac(NOW)}`,
      'duplicate t, the first signed': `t=${NOW},t=${NOW - 99},v0=${mac(NOW)}`,
      'duplicate t, the second signed': `t=${NOW - 99},t=${NOW},v0=${mac(NOW)}`,
      'duplicate v0, the first good': `t=${NOW},v0=${mac(NOW)},v0=${mac(NOW, 'other')}`,
      'duplicate v0, the second good': `t=${NOW},v0=${mac(NOW, 'other')},v0=${mac(NOW)}`,
      'an unknown scheme as well': `t=${NOW},v0=${mac(NOW)},v1=${'ab'.repeat(32)}`,
      'an entry without =': `t=${NOW},v0=${mac(NOW)},junk`,
      'a trailing comma': `${good(NOW)},`,
      'leading zeros in t': `t=00${NOW},v0=${mac(`00${NOW}`)}`,
      'upper-case keys': `T=${NOW},V0=${mac(NOW)}`,
      't that is not a number': `t=abc,v0=${mac('abc')}`,
      't with a fraction': `t=${NOW}.5,v0=${mac(`${NOW}.5`)}`,
      't in exponent form': `t=${NOW / 1000}e3,v0=${mac(`${NOW / 1000}e3`)}`,
      't with a space': `t= ${NOW},v0=${mac(` ${NOW}`)}`,
      'empty t': `t=,v0=${mac('')}`,
      'no t': `v0=${mac(NOW)}`,
      'no v0': `t=${NOW}`,
      'a short MAC': `t=${NOW},v0=${mac(NOW).slice(0, 63)}`,
      'another secret': `t=${NOW},v0=${mac(NOW, 'other')}`,
      'another body': `t=${NOW},v0=${mac(NOW, SECRET, `${body} `)}`,
      'only a comma': ',',
    };

    // Every header on which the two disagree, and why we refuse it. A new
    // difference, or one of these disappearing, fails the test.
    const EXPECTED_DIFFERENCES: Record<string, { sdk: 'accepts'; callgate: string }> = {
      // The SDK sets no bound on future timestamps: such a signature would stay replayable longer.
      '10 minutes ahead': { sdk: 'accepts', callgate: 'stale_signature' },
      'a day ahead': { sdk: 'accepts', callgate: 'stale_signature' },
      // The SDK ages t with Number(): NaN slips past its age check, and other spellings are not
      // what ElevenLabs sends. Only a plain integer is aged and accepted.
      't that is not a number': { sdk: 'accepts', callgate: 'malformed_signature' },
      't with a fraction': { sdk: 'accepts', callgate: 'malformed_signature' },
      't in exponent form': { sdk: 'accepts', callgate: 'malformed_signature' },
      't with a space': { sdk: 'accepts', callgate: 'malformed_signature' },
    };

    it('accept and refuse alike, except for the expected differences', async () => {
      const differences: Record<string, { sdk: string; callgate: string }> = {};
      const accepted: string[] = [];
      for (const [name, header] of Object.entries(HEADERS)) {
        const sdkAccepts = await sdk.constructEvent(body, header, SECRET).then(
          () => true,
          () => false,
        );
        const ours = await verifyElevenLabsSignature(SECRET, header, body, NOW);
        if (sdkAccepts) accepted.push(name);
        if (sdkAccepts !== ours.ok) differences[name] = { sdk: sdkAccepts ? 'accepts' : 'refuses', callgate: ours.ok ? 'accepts' : ours.reason };
      }
      expect(differences).toEqual(EXPECTED_DIFFERENCES);
      // The generated set really exercises the SDK's acceptance, not only refusals.
      expect(accepted).toEqual(expect.arrayContaining(['as ElevenLabs sends it', 'v0 before t', 'duplicate t, the first signed', 'leading zeros in t', 'a trailing comma']));
    });
  });

  it('the SDK helper needs Node built-ins, so the route must not import it (it runs on Workers too)', () => {
    const require = createRequire(import.meta.url);
    const sdkRoot = dirname(require.resolve('@elevenlabs/elevenlabs-js/package.json'));
    expect(readFileSync(join(sdkRoot, 'wrapper/webhooks.js'), 'utf8')).toMatch(/require\("crypto"\)/);

    // Walk the route's relative imports: nothing Node-only, nothing from the SDK.
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/^import\s+(?!type\b)[^'"]*['"]([^'"]+)['"]/gm)) {
        const spec = m[1]!;
        expect(spec, `${file} imports ${spec}`).not.toMatch(/^node:|^(fs|path|crypto|os|child_process|http|https|net|stream)$|^@elevenlabs\//);
        if (spec.startsWith('.')) walk(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      }
    };
    walk(resolve('src/http/post-call.ts'));
    expect(seen.size).toBeGreaterThan(5);
  });
});
