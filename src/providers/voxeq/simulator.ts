// Development adapter: a ScreenProvider whose answers come from a scenario table instead of
// VoxEQ, plus postScreenResult, which pushes a signed result to a running callgate's
// POST /voxeq/results exactly as the real screen would (docs/api.md). For the demo, for
// tests, and for a person trying a call by hand. WebCrypto/fetch only.
import { SIGNATURE_HEADER, signBody, type SigningSecret } from '../../crypto/signature.js';
import type { Clock } from '../../kernel/ports.js';
import { postWithDeadline } from '../otp/http.js';
import type { FetchFn, ScreenFetch, ScreenProvider, ScreenResult } from './types.js';

/** A verdict without its call id: the simulator stamps the id of the call that asks. */
export type ScreenVerdict = Omit<ScreenResult, 'call_id'> & { call_id?: string };

// The preset names are configuration (VOXEQ_SIMULATE), so config owns the list.
export { VOXEQ_PRESET_NAMES, type VoxeqPresetName } from '../../config.js';
import type { VoxeqPresetName } from '../../config.js';

const MAX_RECORDED = 1000;
const NO_FLAGS = { watch_list: false, synthetic_voice: false, profile_mismatch: false, poor_audio: false } as const;

/** Named verdicts, one per signal the policy knows. */
export const voxeqPresets: Readonly<Record<VoxeqPresetName, Readonly<ScreenVerdict>>> = Object.freeze({
  clear: { risk: 'clear', ...NO_FLAGS, score: 0.04 },
  uncertain: { risk: 'uncertain', ...NO_FLAGS, score: 0.48 },
  watch_list: { risk: 'high', ...NO_FLAGS, watch_list: true, score: 0.97 },
  synthetic: { risk: 'high', ...NO_FLAGS, synthetic_voice: true, score: 0.93 },
  mismatch: { risk: 'high', ...NO_FLAGS, profile_mismatch: true, score: 0.88 },
  poor_audio: { risk: 'uncertain', ...NO_FLAGS, poor_audio: true },
});

/** A preset applied to a call id: a full screen result. */
export function presetResult(name: VoxeqPresetName, callId: string): ScreenResult {
  return { ...voxeqPresets[name], call_id: callId };
}

/**
 * What the simulator answers for a call: a verdict, a preset's name, `pending` (no verdict yet),
 * `unavailable` (the screen is down), or a sequence of those, one per ask, the last repeating
 * (`['pending', 'pending', 'clear']`: the verdict arrives on the third ask).
 */
export type ScreenStep = ScreenVerdict | VoxeqPresetName | 'pending' | 'unavailable';
export type ScreenScenario = ScreenStep | readonly ScreenStep[];

export interface VoxeqSimulatorOptions {
  /**
   * Keyed by exact call id, or by a pattern with `*` wildcards (`CA*`, `*-watch`). An exact key
   * wins; otherwise the first matching pattern in insertion order.
   */
  scenarios?: Record<string, ScreenScenario>;
  /** For a call no key matches. Default `pending`: no verdict until one is pushed or set. */
  default?: ScreenScenario;
}

export interface VoxeqSimulator extends ScreenProvider {
  /** Adds or replaces a scenario (e.g. a watch-list hit mid-call); its sequence starts afresh. */
  set(callIdOrPattern: string, scenario: ScreenScenario): void;
  /** Removes a scenario. */
  clear(callIdOrPattern: string): void;
  /** The asks so far (the last 1000), oldest first. */
  readonly calls: readonly { callId: string; status: ScreenFetch['status'] }[];
}

export function createVoxeqSimulator(opts: VoxeqSimulatorOptions = {}): VoxeqSimulator {
  const scenarios = new Map<string, ScreenScenario>(Object.entries(opts.scenarios ?? {}));
  const fallback: ScreenScenario = opts.default ?? 'pending';
  // How many times each call has asked under its current scenario (sequences advance per call and
  // start afresh when the call's scenario is set again).
  const asked = new Map<string, { scenario: ScreenScenario; n: number }>();
  const calls: { callId: string; status: ScreenFetch['status'] }[] = [];

  const scenarioFor = (callId: string): ScreenScenario => {
    const exact = scenarios.get(callId);
    if (exact !== undefined) return exact;
    for (const [key, scenario] of scenarios) if (key.includes('*') && globMatch(key, callId)) return scenario;
    return fallback;
  };

  return {
    name: 'voxeq-simulator',
    calls,
    set(key, scenario) {
      scenarios.delete(key); // re-inserted last: a replaced pattern keeps no stale priority
      scenarios.set(key, isSequence(scenario) ? [...scenario] : scenario); // a fresh identity restarts sequences
    },
    clear(key) {
      scenarios.delete(key);
    },
    async fetchResult(callId: string, signal?: AbortSignal): Promise<ScreenFetch> {
      let out: ScreenFetch;
      if (signal?.aborted) out = { status: 'unavailable', reason: 'aborted' };
      else {
        const scenario = scenarioFor(callId);
        const seen = asked.get(callId);
        const n = seen && seen.scenario === scenario ? seen.n : 0;
        asked.set(callId, { scenario, n: n + 1 });
        const step = isSequence(scenario) ? scenario[Math.min(n, scenario.length - 1)] : scenario;
        out = toFetch(step, callId);
      }
      calls.push({ callId, status: out.status });
      // A development server may run for days: keep the bookkeeping bounded.
      if (calls.length > MAX_RECORDED) calls.splice(0, calls.length - MAX_RECORDED);
      if (asked.size > MAX_RECORDED) asked.delete(asked.keys().next().value!);
      return out;
    },
  };
}

function isSequence(s: ScreenScenario): s is readonly ScreenStep[] {
  return Array.isArray(s);
}

function toFetch(step: ScreenStep | undefined, callId: string): ScreenFetch {
  if (step === undefined || step === 'pending') return { status: 'pending' };
  if (step === 'unavailable') return { status: 'unavailable', reason: 'simulated_outage' };
  if (typeof step === 'string') return { status: 'ready', result: presetResult(step, callId) };
  return { status: 'ready', result: { ...step, call_id: callId } };
}

function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 's');
  return re.test(value);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface PostScreenResultOptions {
  fetch?: FetchFn;
  clock: Clock;
  /** Default 5000 ms. */
  timeoutMs?: number;
}

export type PostScreenOutcome =
  | { ok: true; status: number; body: unknown }
  | { ok: false; status?: number; reason: 'rejected' | 'delivery_failed' | 'delivery_timeout'; detail: string; body?: unknown };

/**
 * POSTs a result to callgate's `POST /voxeq/results` (pass the full URL), signed with
 * `X-Callgate-Signature` over the exact JSON sent, as VoxEQ would. `ok` is a 2xx answer; a 4xx/5xx
 * is `rejected` with the status and the parsed answer. Never throws.
 */
export async function postScreenResult(
  url: string,
  secret: SigningSecret,
  result: ScreenResult,
  opts: PostScreenResultOptions,
): Promise<PostScreenOutcome> {
  try {
    const body = JSON.stringify(result);
    const signature = await signBody(secret, body, Math.floor(opts.clock.now() / 1000));
    const out = await postWithDeadline(
      opts.fetch ?? fetch,
      url,
      { headers: { 'Content-Type': 'application/json', Accept: 'application/json', [SIGNATURE_HEADER]: signature }, body },
      opts.timeoutMs ?? 5000,
    );
    if (!out.ok) return { ok: false, reason: out.reason, detail: out.detail };
    const { status } = out.response;
    const parsed = parseJson(out.bodyText);
    if (status >= 200 && status <= 299) return { ok: true, status, body: parsed };
    return { ok: false, status, reason: 'rejected', detail: `HTTP ${status}`, body: parsed };
  } catch (err) {
    return { ok: false, reason: 'delivery_failed', detail: `post error (${err instanceof Error ? err.name : 'unknown'})` };
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
