import { describe, expect, it } from 'vitest';
import { say } from '../../providers/twilio/twiml.js';
import { locales, prompts, resolveLocale, sayOptions, spokenDigits, twilioLanguage } from './prompts.js';

describe('DID prompts', () => {
  it('spells the number digit by digit', () => {
    expect(spokenDigits('481523')).toBe('4, 8, 1, 5, 2, 3');
    expect(spokenDigits(' 48 15 23 ', 'es-US')).toBe('4, 8, 1, 5, 2, 3');
  });

  it('en-US', () => {
    expect(prompts('en-US', '481523')).toEqual({
      speak: 'Your verification number is 4, 8, 1, 5, 2, 3. Open the app on your phone and enter this number.',
      loop: "We're still waiting for your confirmation in the app. Your number is 4, 8, 1, 5, 2, 3.",
      pressToConfirm: 'Press 1 when you have confirmed, or 0 to cancel.',
      verified: 'Thank you. You are verified.',
      failed: 'We could not verify your identity.',
      canceled: 'Verification canceled.',
    });
  });

  it('es-US', () => {
    const p = prompts('es-US', '481523');
    expect(p.speak).toBe('Su número de verificación es 4, 8, 1, 5, 2, 3. Abra la aplicación en su teléfono e ingrese este número.');
    expect(p.loop).toBe('Seguimos esperando su confirmación en la aplicación. Su número es 4, 8, 1, 5, 2, 3.');
    expect(p.pressToConfirm).toBe('Presione 1 cuando haya confirmado, o 0 para cancelar.');
    expect(p.verified).toMatch(/verificada/);
    expect(p.failed).toMatch(/No pudimos/);
    // Non-ASCII text goes through as UTF-8 characters, not entities.
    expect(say(p.speak, sayOptions('es-US')).xml).toBe(`<Say voice="Polly.Lupe" language="es-US">${p.speak}</Say>`);
  });

  it('every locale has every prompt, each with the number where it belongs', () => {
    for (const [name, info] of Object.entries(locales)) {
      const p = info.prompts('9, 9');
      for (const text of Object.values(p)) expect(text.trim().length, name).toBeGreaterThan(0);
      expect(p.speak).toContain('9, 9');
      expect(p.loop).toContain('9, 9');
      expect(info.language).toBe(name);
    }
  });

  it('locale resolution: exact, case/underscore-insensitive, by language, else en-US', () => {
    expect(resolveLocale('es-US')).toBe('es-US');
    expect(resolveLocale('ES_us')).toBe('es-US');
    expect(resolveLocale('es-MX')).toBe('es-US');
    expect(resolveLocale('es')).toBe('es-US');
    expect(resolveLocale('en-GB')).toBe('en-US');
    expect(resolveLocale('fr-FR')).toBe('en-US');
    expect(resolveLocale('')).toBe('en-US');
    expect(resolveLocale(undefined)).toBe('en-US');
    expect(prompts('xx-YY', '12').speak).toBe(prompts('en-US', '12').speak);
    expect(twilioLanguage('es-US')).toBe('es-US');
    expect(twilioLanguage('de-DE')).toBe('en-US');
    expect(sayOptions('es')).toEqual({ voice: 'Polly.Lupe', language: 'es-US' });
  });
});
