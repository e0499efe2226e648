import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHttpSink, type HttpSink } from '../../../test/fakes/http-sink.js';
import { verifyBody } from '../../crypto/signature.js';
import { createVoxeqSimulator, postScreenResult, presetResult, VOXEQ_PRESET_NAMES, voxeqPresets } from './simulator.js';
import { screenResultSchema, signalsFromScreen } from './types.js';

const CALL = 'CA0123456789abcdef0123456789abcdef';

describe('presets', () => {
  it('each preset is a valid screen result raising its own signal', () => {
    const expected: Record<string, string> = {
      clear: 'screen_clear',
      uncertain: 'screen_uncertain',
      watch_list: 'watch_list',
      synthetic: 'synthetic_voice',
      mismatch: 'profile_mismatch',
      poor_audio: 'poor_audio',
    };
    for (const name of VOXEQ_PRESET_NAMES) {
      const result = presetResult(name, CALL);
      expect(screenResultSchema.parse(result)).toEqual(result);
      expect(signalsFromScreen(result)[expected[name] as keyof ReturnType<typeof signalsFromScreen>]).toBe(true);
    }
    expect(signalsFromScreen(presetResult('clear', CALL)).screen_clear).toBe(true);
    for (const name of VOXEQ_PRESET_NAMES.filter((n) => n !== 'clear'))
      expect(signalsFromScreen(presetResult(name, CALL)).screen_clear).toBe(false);
  });

  it('presets are frozen', () => {
    expect(Object.isFrozen(voxeqPresets)).toBe(true);
  });
});

describe('VoxEQ simulator', () => {
  it('answers per scenario: exact id, verdict object, preset name, pending, unavailable', async () => {
    const sim = createVoxeqSimulator({
      scenarios: {
        'CA-clear': 'clear',
        'CA-custom': { risk: 'uncertain', watch_list: false, synthetic_voice: false, profile_mismatch: true, poor_audio: false },
        'CA-wait': 'pending',
        'CA-down': 'unavailable',
      },
    });
    expect(sim.name).toBe('voxeq-simulator');
    expect(await sim.fetchResult('CA-clear')).toEqual({ status: 'ready', result: presetResult('clear', 'CA-clear') });
    expect(await sim.fetchResult('CA-custom')).toEqual({
      status: 'ready',
      result: { call_id: 'CA-custom', risk: 'uncertain', watch_list: false, synthetic_voice: false, profile_mismatch: true, poor_audio: false },
    });
    expect(await sim.fetchResult('CA-wait')).toEqual({ status: 'pending' });
    expect(await sim.fetchResult('CA-down')).toEqual({ status: 'unavailable', reason: 'simulated_outage' });
    expect(sim.calls.map((c) => c.status)).toEqual(['ready', 'ready', 'pending', 'unavailable']);
  });

  it('stamps the asking call id, whatever the verdict says', async () => {
    const sim = createVoxeqSimulator({ default: { ...presetResult('clear', 'CA-other') } });
    expect(await sim.fetchResult(CALL)).toMatchObject({ status: 'ready', result: { call_id: CALL } });
  });

  it('patterns: exact key wins, then the first matching * pattern, then the default (pending)', async () => {
    const sim = createVoxeqSimulator({
      scenarios: { 'CA*': 'clear', '*watch*': 'watch_list', 'CA-watch-exact': 'synthetic' },
    });
    expect(await sim.fetchResult('CA-watch-1')).toMatchObject({ result: { risk: 'clear' } }); // CA* is first
    expect(await sim.fetchResult('conv-watch-1')).toMatchObject({ result: { watch_list: true } });
    expect(await sim.fetchResult('CA-watch-exact')).toMatchObject({ result: { synthetic_voice: true } });
    expect(await sim.fetchResult('conv-1')).toEqual({ status: 'pending' });
    expect(await sim.fetchResult('C.A')).toEqual({ status: 'pending' }); // no regex leaking from the pattern
  });

  it('sequences advance per call, the last step repeating', async () => {
    const sim = createVoxeqSimulator({ scenarios: { 'CA*': ['pending', 'pending', 'uncertain'] } });
    expect(await sim.fetchResult('CA1')).toEqual({ status: 'pending' });
    expect(await sim.fetchResult('CA2')).toEqual({ status: 'pending' });
    expect(await sim.fetchResult('CA1')).toEqual({ status: 'pending' });
    expect(await sim.fetchResult('CA1')).toMatchObject({ status: 'ready', result: { risk: 'uncertain' } });
    expect(await sim.fetchResult('CA1')).toMatchObject({ status: 'ready', result: { risk: 'uncertain' } });
    expect(await sim.fetchResult('CA2')).toEqual({ status: 'pending' });
  });

  it('set() changes a call mid-way (a watch-list hit after a clear screen); clear() removes it', async () => {
    const sim = createVoxeqSimulator({ scenarios: { [CALL]: 'clear' } });
    expect(await sim.fetchResult(CALL)).toMatchObject({ result: { risk: 'clear' } });
    sim.set(CALL, 'watch_list');
    expect(await sim.fetchResult(CALL)).toMatchObject({ result: { risk: 'high', watch_list: true } });
    sim.clear(CALL);
    expect(await sim.fetchResult(CALL)).toEqual({ status: 'pending' });
  });

  it('set() restarts a sequence for a call that already walked it', async () => {
    const seq = ['pending', 'clear'] as const;
    const sim = createVoxeqSimulator({ scenarios: { [CALL]: seq } });
    await sim.fetchResult(CALL);
    expect(await sim.fetchResult(CALL)).toMatchObject({ status: 'ready' });
    sim.set(CALL, seq);
    expect(await sim.fetchResult(CALL)).toEqual({ status: 'pending' });
  });

  it('an aborted ask → unavailable aborted', async () => {
    const sim = createVoxeqSimulator({ default: 'clear' });
    expect(await sim.fetchResult(CALL, AbortSignal.abort())).toEqual({ status: 'unavailable', reason: 'aborted' });
  });
});

describe('postScreenResult', () => {
  const SECRET = 'voxeq-webhook-secret-0123456789abcdef';
  const NOW = Date.parse('2030-01-01T00:00:00.000Z');
  const clock = { now: () => NOW };
  let sink: HttpSink;
  beforeEach(async () => {
    sink = await startHttpSink();
  });
  afterEach(() => sink.close());

  it('POSTs the result as JSON, signed over the exact bytes', async () => {
    const result = presetResult('watch_list', CALL);
    sink.respondWith(200, { success: true, reason: 'ok' });
    const out = await postScreenResult(`${sink.url}/voxeq/results`, SECRET, result, { clock });
    expect(out).toEqual({ ok: true, status: 200, body: { success: true, reason: 'ok' } });
    const req = sink.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/voxeq/results');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.json).toEqual(result);
    const header = req.headers['x-callgate-signature'] as string;
    expect(header).toMatch(/^t=1893456000,v1=[0-9a-f]{64}$/);
    expect(await verifyBody(SECRET, header, req.rawBody, NOW / 1000)).toEqual({ ok: true, t: 1893456000 });
    expect(await verifyBody('another-secret', header, req.rawBody, NOW / 1000)).toMatchObject({ ok: false });
  });

  it('a refusal → rejected with the status and the answer', async () => {
    sink.respondWith(401, { success: false, reason: 'bad_signature' });
    const out = await postScreenResult(sink.url, SECRET, presetResult('clear', CALL), { clock });
    expect(out).toEqual({ ok: false, status: 401, reason: 'rejected', detail: 'HTTP 401', body: { success: false, reason: 'bad_signature' } });
  });

  it('unreachable → delivery_failed; slow → delivery_timeout; never throws', async () => {
    sink.setLatency(1_000);
    const slow = await postScreenResult(sink.url, SECRET, presetResult('clear', CALL), { clock, timeoutMs: 50 });
    expect(slow).toMatchObject({ ok: false, reason: 'delivery_timeout' });
    const url = sink.url;
    await sink.close();
    const down = await postScreenResult(url, SECRET, presetResult('clear', CALL), { clock });
    expect(down).toMatchObject({ ok: false, reason: 'delivery_failed' });
    const bad = await postScreenResult(url, '', presetResult('clear', CALL), { clock });
    expect(bad).toMatchObject({ ok: false, reason: 'delivery_failed' });
    sink = await startHttpSink(); // for afterEach
  });
});
