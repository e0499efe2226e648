// What a caller hears about a Dynamic Identifier, per locale: the agent reads `speak`, the TwiML
// flow says every prompt (with the locale's Twilio voice).

export type DidLocale = 'en-US' | 'es-US';
export const DEFAULT_DID_LOCALE: DidLocale = 'en-US';

export interface DidPrompts {
  /** First announcement of the number. */
  speak: string;
  /** Said on every wait-loop turn; repeats the number. */
  loop: string;
  /** The DTMF instruction inside <Gather>. */
  pressToConfirm: string;
  verified: string;
  failed: string;
  canceled: string;
}

export interface DidLocaleInfo {
  /** The Twilio <Say language="…"> value. */
  language: string;
  /** A Twilio voice that speaks `language` (Amazon Polly through Twilio). */
  voice: string;
  /** The prompts, given the number already spelled out by spokenDigits(). */
  prompts(spoken: string): DidPrompts;
}

export const locales: Readonly<Record<DidLocale, DidLocaleInfo>> = Object.freeze({
  'en-US': {
    language: 'en-US',
    voice: 'Polly.Joanna',
    prompts: (n: string): DidPrompts => ({
      speak: `Your verification number is ${n}. Open the app on your phone and enter this number.`,
      loop: `We're still waiting for your confirmation in the app. Your number is ${n}.`,
      pressToConfirm: 'Press 1 when you have confirmed, or 0 to cancel.',
      verified: 'Thank you. You are verified.',
      failed: 'We could not verify your identity.',
      canceled: 'Verification canceled.',
    }),
  },
  'es-US': {
    language: 'es-US',
    voice: 'Polly.Lupe',
    prompts: (n: string): DidPrompts => ({
      speak: `Su número de verificación es ${n}. Abra la aplicación en su teléfono e ingrese este número.`,
      loop: `Seguimos esperando su confirmación en la aplicación. Su número es ${n}.`,
      pressToConfirm: 'Presione 1 cuando haya confirmado, o 0 para cancelar.',
      verified: 'Gracias. Su identidad ha sido verificada.',
      failed: 'No pudimos verificar su identidad.',
      canceled: 'Verificación cancelada.',
    }),
  },
});

/**
 * The supported locale for a requested one: an exact match (case and _/- insensitive), else the
 * first supported locale with the same language ("es-MX" → es-US, "en-GB" → en-US), else en-US.
 */
export function resolveLocale(locale: string | null | undefined): DidLocale {
  if (typeof locale !== 'string') return DEFAULT_DID_LOCALE;
  const wanted = locale.trim().replace(/_/g, '-').toLowerCase();
  const supported = Object.keys(locales) as DidLocale[];
  const exact = supported.find((l) => l.toLowerCase() === wanted);
  if (exact) return exact;
  const language = wanted.split('-')[0];
  return supported.find((l) => l.split('-')[0]!.toLowerCase() === language) ?? DEFAULT_DID_LOCALE;
}

/** The Twilio `language` attribute for a locale. */
export function twilioLanguage(locale: string | null | undefined): string {
  return locales[resolveLocale(locale)].language;
}

/** `{voice, language}` for say() in a locale. */
export function sayOptions(locale: string | null | undefined): { voice: string; language: string } {
  const info = locales[resolveLocale(locale)];
  return { voice: info.voice, language: info.language };
}

/**
 * A DID spelled so TTS reads it digit by digit: "481523" → "4, 8, 1, 5, 2, 3". Whitespace is
 * ignored; any other character is spoken as it is (and escaped by say()). `_locale` is accepted for
 * symmetry: every supported locale separates digits the same way.
 */
export function spokenDigits(did: string, _locale?: string | null): string {
  return Array.from(String(did).replace(/\s+/g, '')).join(', ');
}

/** The DID prompts in a locale (unknown → en-US). */
export function prompts(locale: string | null | undefined, did: string): DidPrompts {
  const resolved = resolveLocale(locale);
  return locales[resolved].prompts(spokenDigits(did, resolved));
}
