// Twilio request validation (X-Twilio-Signature), WebCrypto only so it runs on Node and Workers.
//
//   signature = Base64(HMAC(secret, url + Σ name+value))
//
// HMAC-SHA1 keyed with the Auth Token, unless X-Twilio-Webhooks-Signature-Settings names another
// algorithm (`key=…,algorithm=HMAC_SHA256`). `url` is the full URL Twilio requested (scheme, host,
// path and query string, in the exact characters Twilio used); the POST parameters are sorted by
// name (code-unit order) and each name is followed by its value, with no separators. A name sent
// several times contributes every distinct value, sorted, as Twilio's own helpers build it.
// JSON bodies are not signed as parameters: Twilio adds `bodySHA256=<hex SHA-256 of the raw body>`
// to the query string and signs the URL alone.
import { toBase64, toHex, utf8 } from '../../crypto/bytes.js';
import { cachedHmacKey, nonEmptySecrets } from '../../crypto/hmac.js';
import { timingSafeEqualString } from '../../crypto/compare.js';

export const TWILIO_SIGNATURE_HEADER = 'X-Twilio-Signature';
/** Sent with webhooks signed by a shared key: `key=<id>,algorithm=<HMAC_SHA1|HMAC_SHA256>`. */
export const TWILIO_SIGNATURE_SETTINGS_HEADER = 'X-Twilio-Webhooks-Signature-Settings';

export type TwilioSignatureAlgorithm = 'HMAC_SHA1' | 'HMAC_SHA256';
const HASHES: Readonly<Record<TwilioSignatureAlgorithm, 'SHA-1' | 'SHA-256'>> = { HMAC_SHA1: 'SHA-1', HMAC_SHA256: 'SHA-256' };

/** Form parameters as a record (a repeated name as an array), a list of pairs, or URLSearchParams. */
export type TwilioParams =
  | Readonly<Record<string, string | readonly string[]>>
  | readonly (readonly [string, string])[]
  | URLSearchParams;

/** The Auth Token, or several while it rotates (Twilio's primary and secondary token). */
export type TwilioAuthToken = string | readonly string[];

/** A Base64 HMAC-SHA256 is 44 characters; anything far longer is not a signature. */
const MAX_HEADER_LENGTH = 256;

/**
 * The algorithm a settings header names: the first non-empty `algorithm=` entry, case-insensitive;
 * HMAC_SHA1 when the header is absent or names none. Null for an algorithm we do not know, which
 * must be refused rather than guessed.
 */
export function twilioSignatureAlgorithm(settingsHeader: string | null | undefined): TwilioSignatureAlgorithm | null {
  for (const part of (settingsHeader ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== 'algorithm') continue;
    const value = part.slice(eq + 1).trim().toUpperCase();
    if (!value) continue;
    return value === 'HMAC_SHA1' || value === 'HMAC_SHA256' ? value : null;
  }
  return 'HMAC_SHA1';
}

/** name+value for every parameter, names sorted, each name's distinct values sorted. */
export function canonicalTwilioParams(params: TwilioParams | null | undefined): string {
  if (!params) return '';
  const byName = new Map<string, Set<string>>();
  const add = (name: string, value: string) => {
    let values = byName.get(name);
    if (!values) byName.set(name, (values = new Set()));
    values.add(value);
  };
  if (params instanceof URLSearchParams || Array.isArray(params)) {
    for (const [name, value] of params as Iterable<readonly [string, string]>) add(name, value);
  } else {
    for (const [name, value] of Object.entries(params as Readonly<Record<string, string | readonly string[]>>)) {
      if (Array.isArray(value)) for (const v of value as readonly string[]) add(name, v);
      else add(name, value as string);
    }
  }
  let out = '';
  for (const name of [...byName.keys()].sort()) for (const value of [...byName.get(name)!].sort()) out += name + value;
  return out;
}

async function sign(token: string, data: string, algorithm: TwilioSignatureAlgorithm): Promise<string> {
  return toBase64(await crypto.subtle.sign('HMAC', await cachedHmacKey(token, HASHES[algorithm]), utf8(data)));
}

/**
 * The signature Twilio sends for a request to `url` with these POST parameters (none for GET or
 * JSON requests). `url` is used exactly as given: no port or other normalisation.
 */
export async function twilioSignature(
  authToken: string,
  url: string,
  params?: TwilioParams | null,
  algorithm: TwilioSignatureAlgorithm = 'HMAC_SHA1',
): Promise<string> {
  const [token] = nonEmptySecrets(authToken, 'twilio auth token');
  return sign(token!, url + canonicalTwilioParams(params), algorithm);
}

/** Hex SHA-256 of a raw body: what Twilio puts in `bodySHA256` for JSON requests. */
export async function twilioBodySha256(rawBody: string | Uint8Array): Promise<string> {
  const bytes = typeof rawBody === 'string' ? utf8(rawBody) : new Uint8Array(rawBody);
  return toHex(await crypto.subtle.digest('SHA-256', bytes));
}

/**
 * The URLs a signature may have been computed over, the way Twilio's own helper tries them.
 * First the URL exactly as received (Twilio signs the characters it requested: a `'` in the query
 * stays a `'`), without its port and with the scheme's default port added, since Twilio signs
 * some callbacks with the port dropped and proxies add or remove a default one. Then the same for
 * the WHATWG-normalised URL (which percent-encodes `'` and the like), and for that URL with its
 * query re-encoded form-style, for signers that escaped the URL before signing.
 */
export function twilioUrlCandidates(url: string): string[] {
  const out = new Set<string>([url, removePort(url), addPort(url)]);
  let href: string;
  try {
    href = new URL(url).href; // lower-cases scheme and host, drops a default port, percent-encodes
  } catch {
    return [...out]; // not a URL: only the string as received can match
  }
  for (const base of [removePort(href), addPort(href)]) out.add(base);
  for (const base of [removePort(href), addPort(href)]) out.add(withFormQuery(base));
  return [...out];
}

interface UrlParts {
  scheme: string;
  userinfo: string;
  host: string;
  port: string;
  rest: string;
}

/** scheme://userinfo@host:port, split without normalising anything after it. */
function splitUrl(url: string): UrlParts | null {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!m) return null;
  const authority = m[2]!;
  const at = authority.lastIndexOf('@');
  const hostPort = authority.slice(at + 1);
  // In an IPv6 literal the port's colon comes after the closing bracket.
  const colon = hostPort.indexOf(':', hostPort.lastIndexOf(']') + 1);
  return {
    scheme: m[1]!,
    userinfo: authority.slice(0, at + 1),
    host: colon < 0 ? hostPort : hostPort.slice(0, colon),
    port: colon < 0 ? '' : hostPort.slice(colon),
    rest: url.slice(m[0].length),
  };
}

function removePort(url: string): string {
  const p = splitUrl(url);
  return p ? p.scheme + p.userinfo + p.host + p.rest : url;
}

function addPort(url: string): string {
  const p = splitUrl(url);
  if (!p || p.port) return url;
  const port = p.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return p.scheme + p.userinfo + p.host + port + p.rest;
}

/**
 * The query decoded and re-encoded the way form encoders do (`+` and `%xx` decoded, repeated names
 * grouped in first-seen order, values escaped with encodeURIComponent's set).
 */
function withFormQuery(url: string): string {
  const q = url.indexOf('?');
  if (q < 0 || q === url.length - 1) return url;
  // A null-prototype object orders names as form parsers' result objects do (integer-like first).
  const grouped: Record<string, string[]> = Object.create(null);
  for (const pair of url.slice(q + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = formDecode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : formDecode(pair.slice(eq + 1));
    (grouped[name] ??= []).push(value);
  }
  const query = Object.entries(grouped)
    .flatMap(([name, values]) => values.map((v) => `${formEncode(name)}=${formEncode(v)}`))
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

function formDecode(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

function formEncode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return s; // a lone surrogate: no signer produced this form
  }
}

function usableHeader(header: string | null | undefined): header is string {
  return typeof header === 'string' && header.length > 0 && header.length <= MAX_HEADER_LENGTH;
}

/** Every candidate URL is signed and compared, with no early exit. */
async function matchesAny(tokens: string[], url: string, suffix: string, header: string, algorithm: TwilioSignatureAlgorithm): Promise<boolean> {
  let match = false;
  for (const token of tokens)
    for (const candidate of twilioUrlCandidates(url)) {
      const expected = await sign(token, candidate + suffix, algorithm);
      match = timingSafeEqualString(expected, header) || match;
    }
  return match;
}

/**
 * True when `header` (the X-Twilio-Signature value) signs `url` + `params` with the Auth Token
 * under `algorithm` (see twilioSignatureAlgorithm). `url` is the public URL Twilio requested,
 * query string included, as received. A missing, empty or oversized header is false. Throws only
 * for an empty Auth Token (a configuration error).
 */
export async function validateTwilioRequest(
  authToken: TwilioAuthToken,
  url: string,
  params: TwilioParams | null | undefined,
  header: string | null | undefined,
  algorithm: TwilioSignatureAlgorithm = 'HMAC_SHA1',
): Promise<boolean> {
  const tokens = nonEmptySecrets(authToken, 'twilio auth token');
  if (!usableHeader(header) || !Object.hasOwn(HASHES, algorithm)) return false;
  return matchesAny(tokens, url, canonicalTwilioParams(params), header, algorithm);
}

/**
 * For requests with a JSON (or any non-form) body: the URL's `bodySHA256` must be the hex SHA-256 of
 * the raw body exactly as received, and the header must sign the URL (with no parameters).
 * A URL without `bodySHA256` is false.
 */
export async function validateTwilioJsonRequest(
  authToken: TwilioAuthToken,
  url: string,
  rawBody: string | Uint8Array,
  header: string | null | undefined,
  algorithm: TwilioSignatureAlgorithm = 'HMAC_SHA1',
): Promise<boolean> {
  const tokens = nonEmptySecrets(authToken, 'twilio auth token');
  if (!usableHeader(header) || !Object.hasOwn(HASHES, algorithm)) return false;
  let claimed: string | null;
  try {
    claimed = new URL(url).searchParams.get('bodySHA256');
  } catch {
    return false;
  }
  if (claimed === null || !/^[0-9a-fA-F]{64}$/.test(claimed)) return false;
  const bodyOk = timingSafeEqualString(await twilioBodySha256(rawBody), claimed.toLowerCase());
  const signatureOk = await matchesAny(tokens, url, '', header, algorithm);
  return bodyOk && signatureOk;
}
