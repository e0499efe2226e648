// The fraud-screen port (VoxEQ Verify, docs/api.md). A screen result arrives either pushed
// (POST /voxeq/results, signed) or pulled by a ScreenProvider; both end up as a
// ScreenResult, which signalsFromScreen turns into the policy's signal names. WebCrypto/fetch only.
import { z } from 'zod';

export const SCREEN_RISKS = ['clear', 'uncertain', 'high'] as const;
export type ScreenRisk = (typeof SCREEN_RISKS)[number];

/** Longest call id we accept in a result (Twilio CallSids are 34, ElevenLabs conversation ids ~40). */
export const MAX_CALL_ID_LENGTH = 128;

/**
 * A screen result as POST /voxeq/results receives it. Strict about the types of the fields it knows
 * (no "true" for true, no numeric strings), tolerant of extra fields (they are dropped), so a
 * provider that adds fields does not turn a real verdict into `screen_unavailable`.
 * `score` is informational: absent or `null` both parse as absent.
 */
export const screenResultFields = z.object({
  call_id: z.string().min(1).max(MAX_CALL_ID_LENGTH),
  risk: z.enum(SCREEN_RISKS),
  watch_list: z.boolean(),
  synthetic_voice: z.boolean(),
  profile_mismatch: z.boolean(),
  poor_audio: z.boolean(),
  score: z.number().nullish(),
});

/** screenResultFields, with a `null` score dropped: parse with this one. */
export const screenResultSchema = screenResultFields.transform(
  ({ score, ...rest }): ScreenResult => (score === null || score === undefined ? rest : { ...rest, score }),
);

export interface ScreenResult {
  call_id: string;
  risk: ScreenRisk;
  watch_list: boolean;
  synthetic_voice: boolean;
  profile_mismatch: boolean;
  poor_audio: boolean;
  score?: number;
}

/** The policy signal names a screen result sets (all in policy/schema.ts SIGNALS). */
export const SCREEN_SIGNALS = [
  'screen_clear',
  'screen_uncertain',
  'screen_high',
  'watch_list',
  'synthetic_voice',
  'profile_mismatch',
  'poor_audio',
] as const;
export type ScreenSignal = (typeof SCREEN_SIGNALS)[number];

/**
 * Maps a result to policy signals. Every key is present, true or false, so merging a later
 * result over an earlier one clears flags the screen no longer raises (and `screen_clear` drops
 * as soon as any flag or a non-clear risk appears).
 */
export function signalsFromScreen(result: ScreenResult): Record<ScreenSignal, boolean> {
  const flagged = result.watch_list || result.synthetic_voice || result.profile_mismatch || result.poor_audio;
  return {
    screen_clear: result.risk === 'clear' && !flagged,
    screen_uncertain: result.risk === 'uncertain',
    screen_high: result.risk === 'high',
    watch_list: result.watch_list,
    synthetic_voice: result.synthetic_voice,
    profile_mismatch: result.profile_mismatch,
    poor_audio: result.poor_audio,
  };
}

/**
 * What asking a provider for a call's screen gives. `pending`: the screen has not decided yet
 * (ask again until the policy's `factors.screen.wait_seconds` runs out). `unavailable`: the
 * provider could not answer (`reason` is a short snake_case code for logs, never a secret), e.g.
 * `timeout`, `network_error`, `http_503`, `bad_response`, `circuit_open`, `aborted`, `not_configured`.
 */
export type ScreenFetch =
  | { status: 'ready'; result: ScreenResult }
  | { status: 'pending' }
  | { status: 'unavailable'; reason: string };

export interface ScreenProvider {
  readonly name: string;
  /** Never throws; never takes longer than the provider's own timeout. */
  fetchResult(callId: string, signal?: AbortSignal): Promise<ScreenFetch>;
}

/** The fetch the providers use (injectable for tests and for Workers service bindings). */
export type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
