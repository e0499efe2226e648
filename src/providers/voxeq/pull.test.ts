import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeVoxeq, type FakeVoxeq } from '../../../test/fakes/voxeq.js';
import type { Logger } from '../../kernel/ports.js';
import { createVoxeqPullProvider, VOXEQ_VERIFY_PATH, type VoxeqPullOptions } from './pull.js';
import type { ScreenResult } from './types.js';

const CALL = 'CA0123456789abcdef0123456789abcdef';
const result: ScreenResult = {
  call_id: CALL,
  risk: 'high',
  watch_list: true,
  synthetic_voice: false,
  profile_mismatch: false,
  poor_audio: false,
  score: 0.97,
};

let fake: FakeVoxeq;
let now: number;
const clock = { now: () => now };
beforeEach(async () => {
  fake = await startFakeVoxeq();
  now = Date.parse('2030-01-01T00:00:00.000Z');
});
afterEach(() => fake.close());

const provider = (over: Partial<VoxeqPullOptions> = {}) =>
  createVoxeqPullProvider({ baseUrl: fake.url, apiKey: fake.apiKey, clock, ...over });

describe('VoxEQ pull provider', () => {
  it('200 → ready with the parsed result; GET with the bearer key on the one assumed path', async () => {
    fake.setResult(CALL, { ...result, vendor_extra: { a: 1 } } as ScreenResult);
    const p = provider();
    expect(p.name).toBe('voxeq');
    expect(await p.fetchResult(CALL)).toEqual({ status: 'ready', result });
    const req = fake.requests[0]!;
    expect(req.method).toBe('GET');
    expect(req.path).toBe(VOXEQ_VERIFY_PATH.replace('{callId}', CALL));
    expect(req.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(req.headers.accept).toBe('application/json');
  });

  it('URL-encodes the call id and tolerates a trailing slash on the base URL', async () => {
    const id = 'conv/1 ?x';
    fake.setResult(id, { ...result, call_id: id });
    const r = await provider({ baseUrl: `${fake.url}/` }).fetchResult(id);
    expect(r).toMatchObject({ status: 'ready', result: { call_id: id } });
    expect(fake.requests[0]!.callId).toBe(id);
  });

  it('202 and 404 → pending', async () => {
    fake.setResult('CA-pending', 'pending');
    const p = provider();
    expect(await p.fetchResult('CA-pending')).toEqual({ status: 'pending' });
    expect(await p.fetchResult('CA-unknown')).toEqual({ status: 'pending' });
    expect(fake.requests.map((r) => r.status)).toEqual([202, 404]);
  });

  it.each([500, 502, 503])('HTTP %i → unavailable http_%i', async (status) => {
    fake.setResult(CALL, result);
    fake.failNext(1, status);
    expect(await provider().fetchResult(CALL)).toEqual({ status: 'unavailable', reason: `http_${status}` });
  });

  it('a wrong API key → unavailable http_401 (and the key never appears in the answer)', async () => {
    fake.setResult(CALL, result);
    const r = await provider({ apiKey: 'wrong-key' }).fetchResult(CALL);
    expect(r).toEqual({ status: 'unavailable', reason: 'http_401' });
    expect(JSON.stringify(r)).not.toContain('wrong-key');
  });

  it('does not follow redirects (the bearer key must not travel)', async () => {
    fake.setResult(CALL, { reply: { status: 307, headers: { Location: 'http://127.0.0.1:1/steal' } } });
    expect(await provider().fetchResult(CALL)).toEqual({ status: 'unavailable', reason: 'http_307' });
    expect(fake.requests).toHaveLength(1);
  });

  it('timeout → unavailable timeout, within the deadline', async () => {
    fake.setResult(CALL, result);
    fake.setCallLatency(CALL, 2_000);
    const started = Date.now();
    const r = await provider({ timeoutMs: 100 }).fetchResult(CALL);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(r).toEqual({ status: 'unavailable', reason: 'timeout' });
  });

  it('network error → unavailable network_error, no throw', async () => {
    const url = fake.url;
    await fake.close();
    const r = await createVoxeqPullProvider({ baseUrl: url, apiKey: 'k', clock }).fetchResult(CALL);
    expect(r).toEqual({ status: 'unavailable', reason: 'network_error' });
    fake = await startFakeVoxeq(); // for afterEach
  });

  it.each([
    ['bad JSON', '{"call_id": '],
    ['empty body', ''],
    ['wrong shape', JSON.stringify({ call_id: CALL, risk: 'red' })],
    ['boolean as string', JSON.stringify({ ...result, watch_list: 'true' })],
    ['another call’s result', JSON.stringify({ ...result, call_id: 'CAother' })],
    ['an array', '[]'],
  ])('%s → unavailable bad_response', async (_label, body) => {
    fake.setResult(CALL, { reply: { status: 200, body } });
    expect(await provider().fetchResult(CALL)).toEqual({ status: 'unavailable', reason: 'bad_response' });
  });

  it('a caller abort → unavailable aborted, not counted against the breaker', async () => {
    fake.setResult(CALL, result);
    fake.setCallLatency(CALL, 2_000);
    const p = provider({ breaker: { failures: 1, cooldownMs: 30_000 } });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect(await p.fetchResult(CALL, ac.signal)).toEqual({ status: 'unavailable', reason: 'aborted' });
    expect(p.breakerState()).toBe('closed');
    expect(await p.fetchResult(CALL, AbortSignal.abort())).toEqual({ status: 'unavailable', reason: 'aborted' });
  });

  it('never throws, whatever the injected fetch does', async () => {
    const p = createVoxeqPullProvider({
      baseUrl: 'https://voxeq.invalid',
      apiKey: 'k',
      clock,
      fetch: () => {
        throw new Error('boom');
      },
    });
    expect(await p.fetchResult(CALL)).toEqual({ status: 'unavailable', reason: 'network_error' });
    expect(await p.fetchResult('')).toEqual({ status: 'unavailable', reason: 'bad_call_id' });
  });

  it('refuses a bad configuration at construction', () => {
    expect(() => createVoxeqPullProvider({ baseUrl: 'not a url', apiKey: 'k', clock })).toThrow();
    expect(() => createVoxeqPullProvider({ baseUrl: 'ftp://x', apiKey: 'k', clock })).toThrow();
    expect(() => createVoxeqPullProvider({ baseUrl: 'https://x', apiKey: '', clock })).toThrow();
  });

  describe('circuit breaker', () => {
    it('opens after N consecutive failures: then one fast circuit_open per call, no request', async () => {
      const lines: string[] = [];
      const logger: Logger = { info: (e) => lines.push(e), warn: (e) => lines.push(e), error: (e) => lines.push(e) };
      fake.setResult(CALL, result);
      fake.failNext(3, 503);
      const p = provider({ breaker: { failures: 3, cooldownMs: 30_000 }, logger });
      for (let i = 0; i < 3; i++) expect(await p.fetchResult(CALL)).toEqual({ status: 'unavailable', reason: 'http_503' });
      expect(p.breakerState()).toBe('open');
      expect(lines).toEqual(['voxeq_breaker_open']);

      const started = Date.now();
      expect(await p.fetchResult(CALL)).toEqual({ status: 'unavailable', reason: 'circuit_open' });
      expect(Date.now() - started).toBeLessThan(50);
      expect(fake.requests).toHaveLength(3);
    });

    it('timeouts count too: an outage costs one timeout per failure, then nothing', async () => {
      fake.setResult(CALL, result);
      fake.setCallLatency(CALL, 1_000);
      const p = provider({ timeoutMs: 50, breaker: { failures: 2, cooldownMs: 30_000 } });
      expect(await p.fetchResult(CALL)).toEqual({ status: 'unavailable', reason: 'timeout' });
      expect(await p.fetchResult(CALL)).toEqual({ status: 'unavailable', reason: 'timeout' });
      expect(await p.fetchResult(CALL)).toEqual({ status: 'unavailable', reason: 'circuit_open' });
      expect(fake.requests).toHaveLength(2);
    });

    it('pending and ready answers are successes: they reset the count', async () => {
      fake.setResult(CALL, 'pending');
      const p = provider({ breaker: { failures: 2, cooldownMs: 30_000 } });
      fake.failNext(1, 500);
      await p.fetchResult(CALL);
      await p.fetchResult(CALL); // 202
      fake.failNext(1, 500);
      await p.fetchResult(CALL);
      expect(p.breakerState()).toBe('closed');
    });

    it('half-opens after the cooldown (injected clock): a good trial closes it', async () => {
      fake.setResult(CALL, result);
      fake.failNext(2, 500);
      const p = provider({ breaker: { failures: 2, cooldownMs: 30_000 } });
      await p.fetchResult(CALL);
      await p.fetchResult(CALL);
      expect(await p.fetchResult(CALL)).toEqual({ status: 'unavailable', reason: 'circuit_open' });
      now += 29_999;
      expect(await p.fetchResult(CALL)).toEqual({ status: 'unavailable', reason: 'circuit_open' });
      now += 1;
      expect(p.breakerState()).toBe('half_open');
      expect(await p.fetchResult(CALL)).toEqual({ status: 'ready', result });
      expect(p.breakerState()).toBe('closed');
      expect(fake.requests).toHaveLength(3);
    });

    it('half-open: a failed trial reopens it for another cooldown; only one trial at a time', async () => {
      fake.setResult(CALL, result);
      fake.failNext(1, 500);
      const p = provider({ breaker: { failures: 1, cooldownMs: 10_000 } });
      await p.fetchResult(CALL);
      now += 10_000;
      fake.setCallLatency(CALL, 200);
      fake.failNext(1, 503);
      const [a, b] = await Promise.all([p.fetchResult(CALL), p.fetchResult(CALL)]);
      expect([a, b]).toEqual([
        { status: 'unavailable', reason: 'http_503' },
        { status: 'unavailable', reason: 'circuit_open' },
      ]);
      expect(p.breakerState()).toBe('open');
      expect(fake.requests).toHaveLength(2);
      now += 10_000;
      expect(await p.fetchResult(CALL)).toEqual({ status: 'ready', result });
    });
  });
});
