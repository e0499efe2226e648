// Twilio request validation (X-Twilio-Signature), WebCrypto only so it runs on Node and Workers.
//
//   signature = Base64(HMAC-SHA1(authToken, url + Σ name+value))
//
// `url` is the full public URL Twilio requested (scheme, host, path and query string); the POST
// parameters are sorted by name (case-sensitive, code-unit order) and each name is followed by its
// value, with no separators. A name sent several times contributes every distinct value, sorted —
// the way Twilio's own helpers (twilio-node, twilio-python) build the string.
// JSON bodies are not signed as parameters: Twilio adds `bodySHA256=<hex SHA-256 of the raw body>`
// to the query string and signs the URL alone.
// https://www.twilio.com/docs/usage/security#validating-requests
import { toBase64, toHex, utf8 } from '../../crypto/bytes.js';
import { cachedHmacKey, nonEmptySecrets } from '../../crypto/hmac.js';
import { timingSafeEqualString } from '../../crypto/compare.js';

export const TWILIO_SIGNATURE_HEADER = 'X-Twilio-Signature';

/** Form parameters as a record (a repeated name as an array), a list of pairs, or URLSearchParams. */
export type TwilioParams =
  | Readonly<Record<string, string | readonly string[]>>
  | readonly (readonly [string, string])[]
  | URLSearchParams;

/** The Auth Token, or several while it rotates (Twilio's primary and secondary token). */
export type TwilioAuthToken = string | readonly string[];

/** A Base64 HMAC-SHA1 is 28 characters; anything far longer is not a signature. */
const MAX_HEADER_LENGTH = 256;

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

async function sign(token: string, data: string): Promise<string> {
  return toBase64(await crypto.subtle.sign('HMAC', await cachedHmacKey(token, 'SHA-1'), utf8(data)));
}

/**
 * The signature Twilio sends for a request to `url` with these POST parameters (none for GET or
 * JSON requests). `url` is used exactly as given: no port or other normalisation.
 */
export async function twilioSignature(authToken: string, url: string, params?: TwilioParams | null): Promise<string> {
  const [token] = nonEmptySecrets(authToken, 'twilio auth token');
  return sign(token!, url + canonicalTwilioParams(params));
}

/** Hex SHA-256 of a raw body: what Twilio puts in `bodySHA256` for JSON requests. */
export async function twilioBodySha256(rawBody: string | Uint8Array): Promise<string> {
  const bytes = typeof rawBody === 'string' ? utf8(rawBody) : new Uint8Array(rawBody);
  return toHex(await crypto.subtle.digest('SHA-256', bytes));
}

/**
 * The URLs a signature may have been computed over: the URL as given, and the same URL with the
 * scheme's default port added or removed (https ↔ :443, http ↔ :80), since proxies and Twilio's
 * back end disagree about it; both also in WHATWG-normalised form, as twilio-node signs. A
 * non-default port is kept as it is: it is part of the address Twilio was given.
 */
export function twilioUrlCandidates(url: string): string[] {
  const out = new Set<string>([url, ...portVariants(url)]);
  try {
    const href = new URL(url).href; // drops a default port, lower-cases scheme and host
    out.add(href);
    for (const v of portVariants(href)) out.add(v);
  } catch {
    // Not a URL: only the string itself can match.
  }
  return [...out];
}

function portVariants(url: string): string[] {
  const m = /^(https?):\/\/([^/?#]*)([\s\S]*)$/i.exec(url);
  if (!m) return [];
  const scheme = m[1]!;
  const authority = m[2]!;
  const rest = m[3]!;
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const hostPort = authority.slice(at + 1);
  const hp = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d*))?$/.exec(hostPort);
  if (!hp || hp[1] === '') return [];
  const host = hp[1]!;
  const port = hp[2];
  const defaultPort = scheme.toLowerCase() === 'https' ? '443' : '80';
  const build = (p: string | null) => `${scheme}://${userinfo}${host}${p === null ? '' : `:${p}`}${rest}`;
  if (port === undefined) return [build(defaultPort)];
  if (port === '' || Number(port) === Number(defaultPort)) return [build(null), build(defaultPort)];
  return [];
}

function usableHeader(header: string | null | undefined): header is string {
  return typeof header === 'string' && header.length > 0 && header.length <= MAX_HEADER_LENGTH;
}

/** Every candidate URL is signed and compared, with no early exit. */
async function matchesAny(tokens: string[], url: string, suffix: string, header: string): Promise<boolean> {
  let match = false;
  for (const token of tokens)
    for (const candidate of twilioUrlCandidates(url)) {
      const expected = await sign(token, candidate + suffix);
      match = timingSafeEqualString(expected, header) || match;
    }
  return match;
}

/**
 * True when `header` (the X-Twilio-Signature value) signs `url` + `params` with the Auth Token.
 * `url` is the public URL Twilio requested, query string included. A missing, empty or oversized
 * header is false. Throws only for an empty Auth Token (a configuration error).
 */
export async function validateTwilioRequest(
  authToken: TwilioAuthToken,
  url: string,
  params: TwilioParams | null | undefined,
  header: string | null | undefined,
): Promise<boolean> {
  const tokens = nonEmptySecrets(authToken, 'twilio auth token');
  if (!usableHeader(header)) return false;
  return matchesAny(tokens, url, canonicalTwilioParams(params), header);
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
): Promise<boolean> {
  const tokens = nonEmptySecrets(authToken, 'twilio auth token');
  if (!usableHeader(header)) return false;
  let claimed: string | null;
  try {
    claimed = new URL(url).searchParams.get('bodySHA256');
  } catch {
    return false;
  }
  if (claimed === null || !/^[0-9a-fA-F]{64}$/.test(claimed)) return false;
  const bodyOk = timingSafeEqualString(await twilioBodySha256(rawBody), claimed.toLowerCase());
  const signatureOk = await matchesAny(tokens, url, '', header);
  return bodyOk && signatureOk;
}
