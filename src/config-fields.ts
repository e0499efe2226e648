import { z } from 'zod';
import { OTP_DELIVERIES } from './config-types.js';

// ── field schemas ────────────────────────────────────────────────────────────────────────────
// Values arrive trimmed; an empty or blank value counts as unset (`FOO=` in a compose file).

export const got = (input: unknown) => `got ${JSON.stringify(input)}`;

export const portSchema = z
  .string()
  .refine((v) => /^\d{1,5}$/.test(v) && Number(v) <= 65535, {
    error: (iss) => `must be an integer 0–65535, ${got(iss.input)}`,
  })
  .transform(Number);

// At most 100 years: a typo of a few extra digits is refused, not read as "forever".
export const retentionSchema = z
  .string()
  .refine((v) => /^\d{1,5}$/.test(v) && Number(v) <= 36_500, {
    error: (iss) => `must be a whole number of days 0–36500 (0 keeps calls forever), ${got(iss.input)}`,
  })
  .transform(Number);

export const hostSchema = z.string().regex(/^[A-Za-z0-9._:\-[\]%]+$/, {
  error: (iss) => `must be a host name or IP address, ${got(iss.input)}`,
});

export const pathSchema = z.string().min(1);

export function parseUrl(v: string): URL | null {
  try {
    return new URL(v);
  } catch {
    return null;
  }
}

export const isHttpUrl = (v: string) => {
  const u = parseUrl(v);
  return u !== null && (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
};

export const stripTrailingSlash = (v: string) => v.replace(/\/+$/, '');

/** An http(s) URL. `echo` false for URLs that may carry a secret (a webhook URL with a token in it). */
export const httpUrlSchema = (echo = true) =>
  z
    .string()
    .refine(isHttpUrl, {
      error: (iss) => `must be an http(s) URL${echo ? `, ${got(iss.input)}` : ''}`,
    })
    .transform(stripTrailingSlash);

export const baseUrlSchema = z
  .string()
  .refine(isHttpUrl, { error: (iss) => `must be an http(s) URL, ${got(iss.input)}`, abort: true })
  .refine((v) => {
    const u = parseUrl(v);
    return u !== null && u.search === '' && u.hash === '' && u.username === '' && u.password === '';
  }, { error: 'must be a base URL without credentials, query or fragment' })
  .transform(stripTrailingSlash);

export const deliverySchema = z.enum(OTP_DELIVERIES, {
  error: (iss) => `must be one of ${OTP_DELIVERIES.join(' | ')}, ${got(iss.input)}`,
});

export const accountSidSchema = z.string().regex(/^AC[0-9a-fA-F]{32}$/, {
  error: (iss) => `must be "AC" followed by 32 hex digits, ${got(iss.input)}`,
});

export const messagingFromSchema = z
  .string()
  .regex(/^(\+[1-9]\d{1,14}|MG[0-9a-fA-F]{32})$/, {
    error: (iss) => `must be an E.164 number (+15551234567) or a Messaging Service SID (MG + 32 hex), ${got(iss.input)}`,
  });

/** Secrets: never echoed. */
export const secretSchema = z.string().regex(/^\S+$/, { error: 'must not contain whitespace' });

// ── loadConfig ───────────────────────────────────────────────────────────────────────────────
