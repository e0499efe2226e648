// Pull adapter: for deployments that poll VoxEQ for a call's screen instead of (or besides)
// receiving the signed POST /voxeq/results callback. One GET per ask, bearer API key, a hard
// deadline, and a circuit breaker so an outage costs one fast `unavailable` per call rather than
// a timeout per call. Never throws. WebCrypto/fetch only (runs on Workers).
//
// ASSUMPTION: VoxEQ's REST surface depends on the account and the integration (Genesys AppFoundry,
// TTEC SmartApps, direct API); the path below is a placeholder to adapt to the account's VoxEQ API
// documentation. It lives in this one constant; `{callId}` is replaced by the URL-encoded call id.
// The answer is expected to be POST /voxeq/results' result object (extra fields ignored); 202 or 404
// means "no verdict yet". If the account's API answers another shape, map it in `parseResult`.
import type { Clock, Logger } from '../../kernel/ports.js';
import { createCircuitBreaker, DEFAULT_BREAKER, type BreakerOptions, type BreakerState, type CircuitBreaker } from './breaker.js';
import { MAX_CALL_ID_LENGTH, screenResultSchema, type FetchFn, type ScreenFetch, type ScreenProvider, type ScreenResult } from './types.js';

export const VOXEQ_VERIFY_PATH = '/v1/calls/{callId}/verify';

/** A verdict is a few hundred bytes; anything far larger is not one. */
const MAX_BODY_CHARS = 64 * 1024;

export interface VoxeqPullOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: FetchFn;
  /** Deadline for one GET, headers and body (default 2000 ms). */
  timeoutMs?: number;
  /** Default {failures: 5, cooldownMs: 30000}. */
  breaker?: BreakerOptions;
  clock: Clock;
  /** Breaker transitions are logged here (voxeq_breaker_open / _half_open / _closed). */
  logger?: Logger;
}

export interface VoxeqPullProvider extends ScreenProvider {
  /** The breaker's state, for health pages and tests. */
  breakerState(): BreakerState;
}

export function createVoxeqPullProvider(opts: VoxeqPullOptions): VoxeqPullProvider {
  const timeoutMs = opts.timeoutMs ?? 2000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError('timeoutMs must be > 0');
  if (typeof opts.apiKey !== 'string' || opts.apiKey.length === 0) throw new TypeError('VoxEQ apiKey must be a non-empty string');
  const base = new URL(opts.baseUrl); // throws on a bad URL: a configuration error, at start-up
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new TypeError('VoxEQ baseUrl must be http(s)');
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');

  const breaker: CircuitBreaker = createCircuitBreaker({
    ...(opts.breaker ?? DEFAULT_BREAKER),
    clock: opts.clock,
    onStateChange: (from, to) => {
      const log = to === 'open' ? opts.logger?.warn : opts.logger?.info;
      log?.call(opts.logger, `voxeq_breaker_${to}`, { provider: 'voxeq', from });
    },
  });

  async function ask(callId: string, signal: AbortSignal | undefined): Promise<{ fetch: ScreenFetch; counts: 'success' | 'failure' | 'neither' }> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const url = baseUrl + VOXEQ_VERIFY_PATH.replace('{callId}', encodeURIComponent(callId));
    let response: Response;
    let text: string;
    try {
      const fetchFn = opts.fetch ?? fetch;
      // No redirects: a 3xx must not carry the bearer key to another address.
      response = await fetchFn(url, {
        method: 'GET',
        headers: { Authorization: `Bearer ${opts.apiKey}`, Accept: 'application/json' },
        redirect: 'manual',
        signal: combined,
      });
      // The deadline covers the body too.
      text = await response.text();
    } catch (err) {
      if (signal?.aborted) return { fetch: unavailable('aborted'), counts: 'neither' };
      if (deadline.aborted || isAbort(err)) return { fetch: unavailable('timeout'), counts: 'failure' };
      return { fetch: unavailable('network_error'), counts: 'failure' };
    }

    const { status } = response;
    if (status === 200) {
      const result = parseResult(text, callId);
      return result ? { fetch: { status: 'ready', result }, counts: 'success' } : { fetch: unavailable('bad_response'), counts: 'failure' };
    }
    // 202: accepted, still screening; 404: the screen has nothing for this call (yet).
    if (status === 202 || status === 404) return { fetch: { status: 'pending' }, counts: 'success' };
    // 401/403 (bad key), 429, 3xx, other 4xx and 5xx: the integration cannot answer this call,
    // and will not answer the next one either, so they count towards opening the breaker.
    return { fetch: unavailable(`http_${status}`), counts: 'failure' };
  }

  return {
    name: 'voxeq',
    breakerState: () => breaker.state(),
    async fetchResult(callId: string, signal?: AbortSignal): Promise<ScreenFetch> {
      try {
        if (typeof callId !== 'string' || callId.length === 0 || callId.length > MAX_CALL_ID_LENGTH) return unavailable('bad_call_id');
        if (signal?.aborted) return unavailable('aborted');
        if (!breaker.acquire()) return unavailable('circuit_open');
        let outcome: Awaited<ReturnType<typeof ask>>;
        try {
          outcome = await ask(callId, signal);
        } catch {
          outcome = { fetch: unavailable('provider_error'), counts: 'failure' };
        }
        if (outcome.counts === 'success') breaker.success();
        else if (outcome.counts === 'failure') breaker.failure();
        else breaker.release();
        return outcome.fetch;
      } catch {
        return unavailable('provider_error');
      }
    },
  };
}

function unavailable(reason: string): ScreenFetch {
  return { status: 'unavailable', reason };
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

/** The body as a result for this call, or null (bad JSON, bad shape, another call's result). */
function parseResult(text: string, callId: string): ScreenResult | null {
  if (text.length > MAX_BODY_CHARS) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = screenResultSchema.safeParse(json);
  if (!parsed.success || parsed.data.call_id !== callId) return null;
  return parsed.data;
}
