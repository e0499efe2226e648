// A tiny TwiML (Voice) builder. Call sites never concatenate XML: every verb is built here, every
// text node and attribute is escaped here, and twiml() only accepts verbs this module minted.
//
//   twiml(say(p.speak, sayOptions(locale)), gather({numDigits: 1, action: `${base}/ivr/twilio/wait`}, say(p.pressToConfirm)))
//   → <?xml version="1.0" encoding="UTF-8"?><Response><Say …>…</Say><Gather …><Say>…</Say></Gather></Response>
//
// URLs in TwiML (Gather action, Redirect) must be absolute http(s) URLs (Twilio error 15004): a
// relative or otherwise unusable URL throws here, at build time, rather than failing on a live call.
// Builder misuse (bad numbers, relative URLs) throws TypeError/RangeError: it is a programming error.

export type TwimlVerbName = 'Say' | 'Gather' | 'Redirect' | 'Pause' | 'Hangup';
export type TwimlMethod = 'GET' | 'POST';

declare const verbBrand: unique symbol;
/** An opaque, already-escaped TwiML verb. Only this module's builders make them. */
export interface TwimlVerb<N extends TwimlVerbName = TwimlVerbName> {
  readonly verb: N;
  readonly xml: string;
  readonly [verbBrand]: N;
}

/** The verbs Twilio allows inside <Gather> that this builder offers. */
export type GatherNestable = TwimlVerb<'Say' | 'Pause'>;

export interface SayOptions {
  /** e.g. "Polly.Joanna"; Twilio's default is "man". Mind the voice/language pairing. */
  voice?: string;
  /** e.g. "en-US". */
  language?: string;
  /** 0 = repeat until the call ends; default 1. */
  loop?: number;
}

export interface GatherOptions {
  /** Absolute http(s) URL Twilio posts the digits to. */
  action: string;
  numDigits?: number;
  /** Default POST (always written out). */
  method?: TwimlMethod;
  /** Seconds of silence before Twilio gives up waiting for a digit (Twilio's default 5). */
  timeout?: number;
  /** One of 0-9, #, *, or '' to disable (Twilio's default #). */
  finishOnKey?: string;
  /** Post to `action` even when nothing was pressed (default false: Twilio falls through instead). */
  actionOnEmptyResult?: boolean;
}

export interface RedirectOptions {
  /** Default POST (always written out). */
  method?: TwimlMethod;
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

const minted = new WeakSet<object>();

function mint<N extends TwimlVerbName>(verb: N, xml: string): TwimlVerb<N> {
  const v = Object.freeze({ verb, xml }) as TwimlVerb<N>;
  minted.add(v);
  return v;
}

function assertVerb(v: unknown, allowed: readonly TwimlVerbName[]): asserts v is TwimlVerb {
  if (typeof v !== 'object' || v === null || !minted.has(v))
    throw new TypeError('twiml: only verbs built by say/gather/redirect/pause/hangup are accepted');
  const name = (v as TwimlVerb).verb;
  if (!allowed.includes(name)) throw new TypeError(`twiml: <${name}> is not allowed here`);
}

// Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF): dropped.
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** Escaped for a text node. */
export function escapeXmlText(s: string): string {
  return String(s).replace(XML_INVALID, '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Escaped for a double-quoted attribute value (whitespace kept as character references). */
export function escapeXmlAttr(s: string): string {
  return String(s).replace(XML_INVALID, '').replace(/[&<>"'\t\n\r]/g, (c) => ESCAPES[c]!);
}

function attributes(pairs: readonly (readonly [string, string | number | boolean | undefined])[]): string {
  let out = '';
  for (const [name, value] of pairs) if (value !== undefined) out += ` ${name}="${escapeXmlAttr(String(value))}"`;
  return out;
}

/** An absolute http(s) URL of at most 4,096 characters: what Twilio accepts (error 15004 otherwise). */
export function isAbsoluteHttpUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.length > 4096) return false;
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** Throws unless `url` is an absolute http(s) URL (Twilio error 15004 otherwise). */
export function assertAbsoluteUrl(url: string, what = 'url'): void {
  if (!isAbsoluteHttpUrl(url)) throw new TypeError(`twiml: ${what} must be an absolute http(s) URL (Twilio error 15004)`);
}

function method(m: TwimlMethod | undefined): TwimlMethod {
  const v = m ?? 'POST';
  if (v !== 'GET' && v !== 'POST') throw new TypeError('twiml: method must be GET or POST');
  return v;
}

function integer(value: number | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new RangeError(`twiml: ${name} must be an integer from ${min} to ${max}`);
  return value;
}

function nonEmpty(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`twiml: ${name} must be a non-empty string`);
  return value;
}

/** <Say> — text to speech. */
export function say(text: string, opts: SayOptions = {}): TwimlVerb<'Say'> {
  if (typeof text !== 'string' || text.trim() === '') throw new TypeError('twiml: <Say> needs non-empty text');
  const attrs = attributes([
    ['voice', nonEmpty(opts.voice, 'voice')],
    ['language', nonEmpty(opts.language, 'language')],
    ['loop', integer(opts.loop, 'loop', 0, 1000)],
  ]);
  return mint('Say', `<Say${attrs}>${escapeXmlText(text)}</Say>`);
}

/** <Gather> — collects DTMF digits and posts them to `action`; may wrap <Say>/<Pause>. */
export function gather(opts: GatherOptions, ...nested: GatherNestable[]): TwimlVerb<'Gather'> {
  assertAbsoluteUrl(opts.action, '<Gather> action');
  if (opts.finishOnKey !== undefined && !/^[0-9#*]?$/.test(opts.finishOnKey))
    throw new TypeError('twiml: finishOnKey must be one of 0-9, #, * or empty');
  if (opts.actionOnEmptyResult !== undefined && typeof opts.actionOnEmptyResult !== 'boolean')
    throw new TypeError('twiml: actionOnEmptyResult must be a boolean');
  for (const v of nested) assertVerb(v, ['Say', 'Pause']);
  const attrs = attributes([
    ['numDigits', integer(opts.numDigits, 'numDigits', 1, 100)],
    ['action', opts.action],
    ['method', method(opts.method)],
    ['timeout', integer(opts.timeout, 'timeout', 1, 600)],
    ['finishOnKey', opts.finishOnKey],
    ['actionOnEmptyResult', opts.actionOnEmptyResult],
  ]);
  const inner = nested.map((v) => v.xml).join('');
  return mint('Gather', inner === '' ? `<Gather${attrs}/>` : `<Gather${attrs}>${inner}</Gather>`);
}

/** <Redirect> — continue with the TwiML at `url`. */
export function redirect(url: string, opts: RedirectOptions = {}): TwimlVerb<'Redirect'> {
  assertAbsoluteUrl(url, '<Redirect> url');
  return mint('Redirect', `<Redirect${attributes([['method', method(opts.method)]])}>${escapeXmlText(url)}</Redirect>`);
}

/** <Pause length="seconds"/>. */
export function pause(seconds: number): TwimlVerb<'Pause'> {
  return mint('Pause', `<Pause${attributes([['length', integer(seconds, 'pause length', 1, 600)]])}/>`);
}

/** <Hangup/>. */
export function hangup(): TwimlVerb<'Hangup'> {
  return mint('Hangup', '<Hangup/>');
}

/** A complete TwiML document: the XML declaration and a <Response> holding the verbs in order. */
export function twiml(...verbs: TwimlVerb[]): string {
  for (const v of verbs) assertVerb(v, ['Say', 'Gather', 'Redirect', 'Pause', 'Hangup']);
  return `${XML_DECLARATION}<Response>${verbs.map((v) => v.xml).join('')}</Response>`;
}

/** Content-Type for a TwiML answer. */
export const TWIML_CONTENT_TYPE = 'text/xml; charset=utf-8';
