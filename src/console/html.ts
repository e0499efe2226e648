import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

// Every console page is built with this one template tag: each interpolated value is escaped
// (& < > " '), arrays are joined, and only values built by the tag itself pass through as markup.
// Pages load their data first and render synchronously, so the result is never a promise.

export type Html = HtmlEscapedString;

export function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  const out = html(strings, ...values);
  if (out instanceof Promise) throw new Error('console templates render synchronously');
  return out;
}

/** A constant string of markup written in this folder (never data). */
export const trusted = (markup: string): Html => raw(markup) as Html;

/** An ISO instant, to the second. */
export const isoTime = (ms: number | null | undefined): string => (typeof ms === 'number' ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') : '—');

/** "+12.3 s" after `start`. */
export const since = (at: number, start: number): string => `+${((at - start) / 1000).toFixed(1)} s`;

/** A path segment: encoded for the URL (the template escapes it again for the attribute). */
export const seg = (v: string): string => encodeURIComponent(v);

/** A JSON value on one line for display (the template escapes it). */
export const json = (v: unknown): string => JSON.stringify(v);
