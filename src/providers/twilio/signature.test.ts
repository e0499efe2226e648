import { createHash, createHmac } from 'node:crypto';
import { stringify as legacyStringify, parse as legacyParse } from 'node:querystring';
import fc from 'fast-check';
import * as official from 'twilio/lib/webhooks/webhooks.js';
import { describe, expect, it } from 'vitest';
import {
  canonicalTwilioParams,
  twilioBodySha256,
  twilioSignature,
  twilioSignatureAlgorithm,
  twilioUrlCandidates,
  validateTwilioJsonRequest,
  validateTwilioRequest,
  type TwilioSignatureAlgorithm,
} from './signature.js';

// Twilio's worked example (https://www.twilio.com/docs/usage/security#validating-requests), the same
// vector twilio-node and twilio-python test against.
const TOKEN = '12345';
const URL_ = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+12349013030',
  Digits: '1234',
  From: '+12349013030',
  To: '+18005551212',
};
const EXPECTED = '0/KCTR6DLpKmkAf8muzZqo1nDgQ=';

// twilio-python's JSON-body vector (test_validation_of_body_succeeds).
const JSON_BODY = '{"property": "value", "boolean": true}';
const JSON_HASH = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620';
const JSON_URL = `${URL_}&bodySHA256=${JSON_HASH}`;
const JSON_SIGNATURE = 'a9nBmqA0ju/hNViExpshrM61xv4=';

/** An independent implementation (node:crypto) of the documented algorithm. */
const reference = (token: string, url: string, pairs: [string, string][]) =>
  createHmac('sha1', token)
    .update(url + [...pairs].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0)).map(([k, v]) => k + v).join(''))
    .digest('base64');

describe('twilioSignature', () => {
  it("matches Twilio's documented example", async () => {
    expect(await twilioSignature(TOKEN, URL_, PARAMS)).toBe(EXPECTED);
  });

  it('is independent of the order parameters arrive in, and of their container', async () => {
    const shuffled: [string, string][] = [
      ['To', '+18005551212'],
      ['Digits', '1234'],
      ['CallSid', 'CA1234567890ABCDE'],
      ['From', '+12349013030'],
      ['Caller', '+12349013030'],
    ];
    expect(await twilioSignature(TOKEN, URL_, shuffled)).toBe(EXPECTED);
    expect(await twilioSignature(TOKEN, URL_, new URLSearchParams(shuffled))).toBe(EXPECTED);
  });

  it('agrees with node:crypto on other input, unicode included', async () => {
    const pairs: [string, string][] = [
      ['SpeechResult', 'sí, ñandú & <ok> "quoted" 😀'],
      ['a', ''],
      ['B', 'upper sorts first'],
    ];
    const url = 'https://gate.example/ivr/twilio/wait?session=s_1&x=%20y';
    expect(await twilioSignature('tok€n', url, pairs)).toBe(reference('tok€n', url, pairs));
  });

  it('repeated names contribute every (distinct) value, sorted', async () => {
    const pairs: [string, string][] = [
      ['Digits', '9'],
      ['Digits', '1'],
      ['CallSid', 'CA1'],
      ['Digits', '5'],
    ];
    expect(canonicalTwilioParams(pairs)).toBe('CallSidCA1Digits1Digits5Digits9');
    expect(canonicalTwilioParams({ CallSid: 'CA1', Digits: ['9', '1', '5'] })).toBe('CallSidCA1Digits1Digits5Digits9');
    expect(canonicalTwilioParams(new URLSearchParams('Digits=9&CallSid=CA1&Digits=1&Digits=5'))).toBe('CallSidCA1Digits1Digits5Digits9');
    expect(await twilioSignature(TOKEN, URL_, pairs)).toBe(reference(TOKEN, URL_, pairs));
    // Twilio's helpers drop duplicate values (twilio-node: new Set(values); twilio-python: set()).
    expect(canonicalTwilioParams([['A', 'x'], ['A', 'x']])).toBe('Ax');
  });

  it('no parameters: the URL alone', async () => {
    expect(await twilioSignature(TOKEN, URL_)).toBe(reference(TOKEN, URL_, []));
    expect(await twilioSignature(TOKEN, URL_, {})).toBe(reference(TOKEN, URL_, []));
  });

  it('refuses an empty auth token', async () => {
    await expect(twilioSignature('', URL_, PARAMS)).rejects.toThrow(TypeError);
    await expect(validateTwilioRequest('', URL_, PARAMS, EXPECTED)).rejects.toThrow(TypeError);
    await expect(validateTwilioRequest([], URL_, PARAMS, EXPECTED)).rejects.toThrow(TypeError);
  });
});

describe('validateTwilioRequest', () => {
  it("accepts Twilio's documented example", async () => {
    expect(await validateTwilioRequest(TOKEN, URL_, PARAMS, EXPECTED)).toBe(true);
  });

  it('accepts a round trip over a form body', async () => {
    const url = 'https://gate.example/ivr/twilio/verify';
    const form = new URLSearchParams({ CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+15551234567', To: '+18005550100' });
    const header = await twilioSignature('secret-token', url, form);
    expect(await validateTwilioRequest('secret-token', url, Object.fromEntries(form), header)).toBe(true);
  });

  it('tampered parameter, added or removed parameter, other URL → false', async () => {
    expect(await validateTwilioRequest(TOKEN, URL_, { ...PARAMS, Digits: '9999' }, EXPECTED)).toBe(false);
    expect(await validateTwilioRequest(TOKEN, URL_, { ...PARAMS, Extra: '1' }, EXPECTED)).toBe(false);
    const { Digits: _d, ...fewer } = PARAMS;
    expect(await validateTwilioRequest(TOKEN, URL_, fewer, EXPECTED)).toBe(false);
    expect(await validateTwilioRequest(TOKEN, 'https://mycompany.com/myapp.php?foo=1&bar=3', PARAMS, EXPECTED)).toBe(false);
    expect(await validateTwilioRequest(TOKEN, 'http://mycompany.com/myapp.php?foo=1&bar=2', PARAMS, EXPECTED)).toBe(false);
    expect(await validateTwilioRequest(TOKEN, 'https://evil.example/myapp.php?foo=1&bar=2', PARAMS, EXPECTED)).toBe(false);
  });

  it('wrong token → false; the right one among rotated tokens → true', async () => {
    expect(await validateTwilioRequest('54321', URL_, PARAMS, EXPECTED)).toBe(false);
    expect(await validateTwilioRequest(['54321', TOKEN], URL_, PARAMS, EXPECTED)).toBe(true);
  });

  it('missing, empty, truncated, altered or oversized header → false', async () => {
    for (const header of [undefined, null, '', EXPECTED.slice(0, -1), `${EXPECTED} `, EXPECTED.toLowerCase(), 'x'.repeat(10_000)])
      expect(await validateTwilioRequest(TOKEN, URL_, PARAMS, header)).toBe(false);
  });

  it('tolerates the default port being added or removed (https :443)', async () => {
    const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
    // Twilio signed without the port; our reconstructed URL has it.
    expect(await validateTwilioRequest(TOKEN, withPort, PARAMS, EXPECTED)).toBe(true);
    // Twilio signed with the port; our URL has none.
    const signedWithPort = await twilioSignature(TOKEN, withPort, PARAMS);
    expect(signedWithPort).not.toBe(EXPECTED);
    expect(await validateTwilioRequest(TOKEN, URL_, PARAMS, signedWithPort)).toBe(true);
  });

  it('tolerates the default port (:80) and a dropped port, never a port added that was not received', async () => {
    const url = 'http://gate.example/ivr/twilio/verify';
    const sig = await twilioSignature(TOKEN, url, PARAMS);
    expect(await validateTwilioRequest(TOKEN, 'http://gate.example:80/ivr/twilio/verify', PARAMS, sig)).toBe(true);
    // Twilio signs some callbacks with the port dropped, whatever it was.
    expect(await validateTwilioRequest(TOKEN, 'http://gate.example:8080/ivr/twilio/verify', PARAMS, sig)).toBe(true);
    const signedOn8080 = await twilioSignature(TOKEN, 'http://gate.example:8080/ivr/twilio/verify', PARAMS);
    expect(await validateTwilioRequest(TOKEN, url, PARAMS, signedOn8080)).toBe(false);
    expect(await validateTwilioRequest(TOKEN, 'http://gate.example:8081/ivr/twilio/verify', PARAMS, signedOn8080)).toBe(false);
    expect(await validateTwilioRequest(TOKEN, 'http://gate.example:8080/ivr/twilio/verify', PARAMS, signedOn8080)).toBe(true);
    const signedOn443 = await twilioSignature(TOKEN, 'http://gate.example:443/ivr/twilio/verify', PARAMS);
    expect(await validateTwilioRequest(TOKEN, url, PARAMS, signedOn443)).toBe(false);
  });

  it('URL candidates: as received (port dropped, default port added), then normalised, then form-re-encoded', () => {
    expect(twilioUrlCandidates('https://a.example/p?q=1')).toEqual(['https://a.example/p?q=1', 'https://a.example:443/p?q=1']);
    expect(twilioUrlCandidates('https://a.example:443/p')).toEqual(['https://a.example:443/p', 'https://a.example/p']);
    expect(twilioUrlCandidates('http://[::1]:80/p')).toEqual(['http://[::1]:80/p', 'http://[::1]/p']);
    expect(twilioUrlCandidates('http://127.0.0.1:8787/p')).toEqual(['http://127.0.0.1:8787/p', 'http://127.0.0.1/p']);
    expect(twilioUrlCandidates("https://a.example/p?n=o'b")).toEqual([
      "https://a.example/p?n=o'b",
      "https://a.example:443/p?n=o'b",
      'https://a.example/p?n=o%27b',
      'https://a.example:443/p?n=o%27b',
    ]);
    expect(twilioUrlCandidates('https://a.example/p?q=a+b')).toContain('https://a.example/p?q=a%20b');
    expect(twilioUrlCandidates('not a url')).toEqual(['not a url']);
  });
});

describe('validateTwilioJsonRequest', () => {
  it("accepts twilio-python's published JSON vector", async () => {
    expect(await twilioBodySha256(JSON_BODY)).toBe(JSON_HASH);
    expect(createHash('sha256').update(JSON_BODY).digest('hex')).toBe(JSON_HASH);
    expect(await twilioSignature(TOKEN, JSON_URL)).toBe(JSON_SIGNATURE);
    expect(await validateTwilioJsonRequest(TOKEN, JSON_URL, JSON_BODY, JSON_SIGNATURE)).toBe(true);
    expect(await validateTwilioJsonRequest(TOKEN, JSON_URL, new TextEncoder().encode(JSON_BODY), JSON_SIGNATURE)).toBe(true);
    expect(await validateTwilioJsonRequest(TOKEN, JSON_URL.replace('mycompany.com', 'mycompany.com:443'), JSON_BODY, JSON_SIGNATURE)).toBe(true);
  });

  it('a body that does not hash to bodySHA256 → false, even with a valid URL signature', async () => {
    expect(await validateTwilioJsonRequest(TOKEN, JSON_URL, `${JSON_BODY} `, JSON_SIGNATURE)).toBe(false);
    expect(await validateTwilioJsonRequest(TOKEN, JSON_URL, '{"property": "TAMPERED", "boolean": true}', JSON_SIGNATURE)).toBe(false);
  });

  it('a re-hashed body with the old signature, no bodySHA256, wrong token or no header → false', async () => {
    const other = '{"property":"evil"}';
    const forgedUrl = `${URL_}&bodySHA256=${await twilioBodySha256(other)}`;
    expect(await validateTwilioJsonRequest(TOKEN, forgedUrl, other, JSON_SIGNATURE)).toBe(false);
    expect(await validateTwilioJsonRequest(TOKEN, URL_, JSON_BODY, await twilioSignature(TOKEN, URL_))).toBe(false);
    expect(await validateTwilioJsonRequest('54321', JSON_URL, JSON_BODY, JSON_SIGNATURE)).toBe(false);
    expect(await validateTwilioJsonRequest(TOKEN, JSON_URL, JSON_BODY, undefined)).toBe(false);
    expect(await validateTwilioJsonRequest(TOKEN, 'not a url', JSON_BODY, JSON_SIGNATURE)).toBe(false);
  });

  it('an upper-case bodySHA256 is the same hash', async () => {
    const url = `${URL_}&bodySHA256=${JSON_HASH.toUpperCase()}`;
    expect(await validateTwilioJsonRequest(TOKEN, url, JSON_BODY, await twilioSignature(TOKEN, url))).toBe(true);
  });
});

// The signer is the `twilio` package itself: what its helper computes is what Twilio sends, and
// what its validator accepts we must accept too.
describe('against the official twilio helper', () => {
  const ALGORITHMS: TwilioSignatureAlgorithm[] = ['HMAC_SHA1', 'HMAC_SHA256'];
  const form = { CallSid: 'CA0123456789abcdef0123456789abcdef', From: '+14155550142', To: '+18005550100', SpeechResult: "it's me, Zoë" };
  /** [what Twilio signed, what reached us]: usually the same string. */
  const CASES: [string, string, Record<string, string | string[]>][] = [
    ["https://gate.example/ivr/twilio/verify?campaign=o'brien", "https://gate.example/ivr/twilio/verify?campaign=o'brien", form],
    ["https://gate.example/p?a=it's&b=(x)*!~&c=%20%C3%A9", "https://gate.example/p?a=it's&b=(x)*!~&c=%20%C3%A9", form],
    ["https://gate.example/p?q=a'b", "https://gate.example:443/p?q=a'b", form],
    ['https://gate.example/p?q=1', 'https://gate.example:8443/p?q=1', form],
    ['https://gate.example:443/p', 'https://gate.example/p', form],
    ['http://[::1]:8080/p?x=1', 'http://[::1]:8080/p?x=1', form],
    ['https://gate.example/p?a=1&b=2&a=3', 'https://gate.example/p?a=1&b=2&a=3', { Digits: ['9', '1', '9'], CallSid: 'CA1' }],
    ['https://gate.example/p', 'https://gate.example/p', {}],
    // A signer that escaped the query form-style first (`+` as %20, names grouped).
    [`https://gate.example/p?${legacyStringify(legacyParse('q=a+b&r=1&q=c'))}`, 'https://gate.example/p?q=a+b&r=1&q=c', form],
  ];

  it.each(CASES.flatMap(([signed, received, params]) => ALGORITHMS.map((a) => [a, signed, received, params] as const)))(
    '%s over %s, received as %s: both accept, both refuse a tampered one',
    async (algorithm, signed, received, params) => {
      const header = official.getExpectedTwilioSignature(TOKEN, signed, params, algorithm);
      expect(official.validateRequest(TOKEN, header, received, params, algorithm)).toBe(true);
      expect(await validateTwilioRequest(TOKEN, received, params, header, algorithm)).toBe(true);

      const other = ALGORITHMS.find((a) => a !== algorithm)!;
      const tampered = { ...params, From: '+19999999999' };
      for (const [p, alg] of [[tampered, algorithm], [params, other]] as const) {
        expect(official.validateRequest(TOKEN, header, received, p, alg)).toBe(false);
        expect(await validateTwilioRequest(TOKEN, received, p, header, alg)).toBe(false);
      }
      expect(await validateTwilioRequest('other-token', received, params, header, algorithm)).toBe(false);
    },
  );

  it('random query values (quotes, brackets, unicode): what the helper signs over the URL as sent, we accept', async () => {
    const chars = fc.constantFrom(...[..."ab'!*()~-_.:@$,;=/?+ é😀"], '%27', '%20', '%2B');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,5}$/), fc.array(chars, { maxLength: 8 }).map((a) => a.join(''))), { maxLength: 4 }), fc.constantFrom(...ALGORITHMS), async (pairs, algorithm) => {
        // Unreserved and sub-delimiter characters travel raw; the rest percent-encoded, as an HTTP client sends them.
        const enc = (v: string) => v.replace(/[^A-Za-z0-9'!*()~\-_.:@$,;=/?+%]/gu, (c) => encodeURIComponent(c));
        const url = `https://gate.example/ivr/twilio/wait${pairs.length ? '?' : ''}${pairs.map(([k, v]) => `${k}=${enc(v)}`).join('&')}`;
        const header = official.getExpectedTwilioSignature(TOKEN, url, form, algorithm);
        expect(official.validateRequest(TOKEN, header, url, form, algorithm)).toBe(true);
        expect(await validateTwilioRequest(TOKEN, url, form, header, algorithm)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('JSON bodies: bodySHA256 in the URL, the URL alone signed, with either algorithm', async () => {
    const body = '{"CallSid":"CA1","note":"o\'brien"}';
    for (const algorithm of ALGORITHMS) {
      const url = `https://gate.example/p?x=o'b&bodySHA256=${official.getExpectedBodyHash(body)}`;
      const header = official.getExpectedTwilioSignature(TOKEN, url, {}, algorithm);
      expect(official.validateRequestWithBody(TOKEN, header, url, body, algorithm)).toBe(true);
      expect(await validateTwilioJsonRequest(TOKEN, url, body, header, algorithm)).toBe(true);
      expect(await validateTwilioJsonRequest(TOKEN, url, `${body} `, header, algorithm)).toBe(false);
    }
  });

  it('reads the algorithm from the settings header as the helper does; an unknown one is refused', () => {
    const headers = [undefined, null, '', 'key=webhooks_sharedkey_1', 'key=k,algorithm=HMAC_SHA256', ' algorithm = hmac_sha256 ,key=k', 'algorithm=,algorithm=HMAC_SHA256', 'algorithm=HMAC_SHA1', 'algorithm=HMAC_SHA512', 'key=a=b'];
    for (const h of headers) {
      const theirs = official.getSignatureAlgorithm(h).toUpperCase();
      const ours = twilioSignatureAlgorithm(h);
      expect(ours ?? theirs, String(h)).toBe(theirs);
      expect(ours === null, String(h)).toBe(!['HMAC_SHA1', 'HMAC_SHA256'].includes(theirs));
    }
  });
});
