import { describe, expect, it } from 'vitest';
import { SIGNALS } from '../../policy/schema.js';
import { SCREEN_SIGNALS, screenResultSchema, signalsFromScreen, type ScreenResult } from './types.js';

const base: ScreenResult = {
  call_id: 'CA0123456789abcdef0123456789abcdef',
  risk: 'clear',
  watch_list: false,
  synthetic_voice: false,
  profile_mismatch: false,
  poor_audio: false,
};

describe('screenResultSchema', () => {
  it('accepts the documented result shape, with or without score', () => {
    expect(screenResultSchema.parse(base)).toEqual(base);
    expect(screenResultSchema.parse({ ...base, score: 0.12 })).toEqual({ ...base, score: 0.12 });
  });

  it('tolerates extra fields (and drops them)', () => {
    const parsed = screenResultSchema.parse({ ...base, vendor_trace: 'x', details: { a: 1 } });
    expect(parsed).toEqual(base);
  });

  it('treats a null score as absent', () => {
    const parsed = screenResultSchema.parse({ ...base, score: null });
    expect(parsed).toEqual(base);
    expect('score' in parsed).toBe(false);
  });

  it.each([
    ['risk unknown', { risk: 'low' }],
    ['risk missing', { risk: undefined }],
    ['boolean as string', { watch_list: 'true' }],
    ['boolean as number', { synthetic_voice: 1 }],
    ['boolean missing', { poor_audio: undefined }],
    ['score as string', { score: '0.5' }],
    ['score NaN', { score: Number.NaN }],
    ['empty call id', { call_id: '' }],
    ['numeric call id', { call_id: 42 }],
    ['very long call id', { call_id: 'C'.repeat(129) }],
  ])('rejects %s', (_label, patch) => {
    const r = screenResultSchema.safeParse({ ...base, ...patch });
    expect(r.success).toBe(false);
  });

  it('names the bad field', () => {
    const r = screenResultSchema.safeParse({ ...base, profile_mismatch: 'no' });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['profile_mismatch']);
  });

  it('rejects non-objects', () => {
    for (const v of [null, [], 'clear', 1, true]) expect(screenResultSchema.safeParse(v).success).toBe(false);
  });
});

describe('signalsFromScreen', () => {
  it('clear with no flag → screen_clear only, every key present', () => {
    expect(signalsFromScreen(base)).toEqual({
      screen_clear: true,
      screen_uncertain: false,
      screen_high: false,
      watch_list: false,
      synthetic_voice: false,
      profile_mismatch: false,
      poor_audio: false,
    });
  });

  it('always has exactly the SCREEN_SIGNALS keys, each a boolean', () => {
    for (const risk of ['clear', 'uncertain', 'high'] as const)
      for (const flags of [0, 1, 2, 4, 8, 15]) {
        const s = signalsFromScreen({
          ...base,
          risk,
          watch_list: !!(flags & 1),
          synthetic_voice: !!(flags & 2),
          profile_mismatch: !!(flags & 4),
          poor_audio: !!(flags & 8),
        });
        expect(Object.keys(s).sort()).toEqual([...SCREEN_SIGNALS].sort());
        expect(Object.values(s).every((v) => typeof v === 'boolean')).toBe(true);
      }
  });

  it('clear risk with any flag is not screen_clear', () => {
    for (const flag of ['watch_list', 'synthetic_voice', 'profile_mismatch', 'poor_audio'] as const) {
      const s = signalsFromScreen({ ...base, [flag]: true });
      expect(s.screen_clear).toBe(false);
      expect(s[flag]).toBe(true);
    }
  });

  it('uncertain and high map to their own signal', () => {
    expect(signalsFromScreen({ ...base, risk: 'uncertain' })).toMatchObject({ screen_clear: false, screen_uncertain: true, screen_high: false });
    expect(signalsFromScreen({ ...base, risk: 'high' })).toMatchObject({ screen_clear: false, screen_uncertain: false, screen_high: true });
  });

  it('a later result clears an earlier flag when merged over it', () => {
    const first = signalsFromScreen({ ...base, risk: 'uncertain', poor_audio: true });
    const later = signalsFromScreen(base);
    const merged = { ...first, ...later };
    expect(merged.poor_audio).toBe(false);
    expect(merged.screen_uncertain).toBe(false);
    expect(merged.screen_clear).toBe(true);
  });

  it('every name is a policy signal, screen_clear included (a signal, never a factor)', () => {
    const known = new Set<string>(SIGNALS);
    expect(SCREEN_SIGNALS.filter((s) => !known.has(s))).toEqual([]);
  });
});
