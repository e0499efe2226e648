import { describe, expect, it } from 'vitest';
import {
  escapeXmlAttr,
  escapeXmlText,
  gather,
  hangup,
  pause,
  redirect,
  say,
  twiml,
  type TwimlVerb,
} from './twiml.js';
import { prompts, sayOptions } from '../../factors/did/prompts.js';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>';
const BASE = 'https://gate.example';

describe('twiml builder', () => {
  it('builds the DID verify document', () => {
    const p = prompts('en-US', '481523');
    const xml = twiml(
      say(p.speak, sayOptions('en-US')),
      gather({ numDigits: 1, action: `${BASE}/ivr/twilio/wait`, timeout: 5 }, say(p.pressToConfirm, sayOptions('en-US'))),
      redirect(`${BASE}/ivr/twilio/wait`),
    );
    expect(xml).toBe(
      DECL +
        '<Response>' +
        '<Say voice="Polly.Joanna" language="en-US">Your verification number is 4, 8, 1, 5, 2, 3. Open the app on your phone and enter this number.</Say>' +
        '<Gather numDigits="1" action="https://gate.example/ivr/twilio/wait" method="POST" timeout="5">' +
        '<Say voice="Polly.Joanna" language="en-US">Press 1 when you have confirmed, or 0 to cancel.</Say>' +
        '</Gather>' +
        '<Redirect method="POST">https://gate.example/ivr/twilio/wait</Redirect>' +
        '</Response>',
    );
  });

  it('every verb and attribute', () => {
    expect(twiml()).toBe(`${DECL}<Response></Response>`);
    expect(twiml(say('Hi', { loop: 0 }), pause(2), hangup())).toBe(`${DECL}<Response><Say loop="0">Hi</Say><Pause length="2"/><Hangup/></Response>`);
    expect(
      gather({ action: `${BASE}/a`, method: 'GET', finishOnKey: '', actionOnEmptyResult: true }, pause(1), say('x')).xml,
    ).toBe('<Gather action="https://gate.example/a" method="GET" finishOnKey="" actionOnEmptyResult="true"><Pause length="1"/><Say>x</Say></Gather>');
    expect(gather({ action: `${BASE}/a` }).xml).toBe('<Gather action="https://gate.example/a" method="POST"/>');
    expect(redirect(`${BASE}/b`, { method: 'GET' }).xml).toBe('<Redirect method="GET">https://gate.example/b</Redirect>');
  });

  it('escapes a DID, text and URLs containing & < > " \'', () => {
    const evil = `12&<>"'34`;
    const xml = twiml(say(prompts('en-US', evil).speak), redirect(`${BASE}/x?a=1&b=<2>&c="3"&d='4'`));
    expect(xml).toContain('1, 2, &amp;, &lt;, &gt;, &quot;, &apos;, 3, 4');
    expect(xml).toContain('<Redirect method="POST">https://gate.example/x?a=1&amp;b=&lt;2&gt;&amp;c=&quot;3&quot;&amp;d=&apos;4&apos;</Redirect>');
    const g = gather({ action: `${BASE}/w?x="><Hangup/>&y='` });
    expect(g.xml).toBe('<Gather action="https://gate.example/w?x=&quot;&gt;&lt;Hangup/&gt;&amp;y=&apos;" method="POST"/>');
    // No markup injected: the only elements are the ones we built.
    const injected = twiml(say('</Say><Hangup/><Say>'), g);
    expect(injected.match(/<Hangup/g)).toBeNull();
    expect(say('x', { voice: 'a"b', language: "c'd" }).xml).toBe('<Say voice="a&quot;b" language="c&apos;d">x</Say>');
  });

  it('escape helpers: characters XML cannot carry are dropped; whitespace kept in attributes', () => {
    expect(escapeXmlText('a\u0000b\u0007c\uFFFEd\uD800e\n')).toBe('abcde\n');
    expect(escapeXmlText('😀')).toBe('😀');
    expect(escapeXmlAttr('a\tb\nc\rd')).toBe('a&#9;b&#10;c&#13;d');
  });

  it('relative or non-http URLs throw (Twilio 15004)', () => {
    for (const url of ['/ivr/twilio/wait', 'ivr/twilio/wait', '//gate.example/x', 'javascript:alert(1)', 'ftp://gate.example/x', '', 'https://'])
      expect(() => redirect(url), url).toThrow(/absolute http\(s\) URL/);
    expect(() => gather({ action: '/ivr/twilio/wait' })).toThrow(/15004/);
  });

  it('refuses bad numbers, keys, methods and foreign verbs', () => {
    expect(() => say('')).toThrow(TypeError);
    expect(() => say('x', { loop: -1 })).toThrow(RangeError);
    expect(() => say('x', { loop: 1.5 })).toThrow(RangeError);
    expect(() => pause(0)).toThrow(RangeError);
    expect(() => gather({ action: `${BASE}/a`, numDigits: 0 })).toThrow(RangeError);
    expect(() => gather({ action: `${BASE}/a`, timeout: Number.NaN })).toThrow(RangeError);
    expect(() => gather({ action: `${BASE}/a`, finishOnKey: '##' })).toThrow(TypeError);
    expect(() => gather({ action: `${BASE}/a`, method: 'PUT' as 'POST' })).toThrow(TypeError);
    const forged = { verb: 'Say', xml: '<Hangup/>' } as unknown as TwimlVerb<'Say'>;
    expect(() => twiml(forged)).toThrow(TypeError);
    expect(() => gather({ action: `${BASE}/a` }, forged)).toThrow(TypeError);
    expect(() => gather({ action: `${BASE}/a` }, hangup() as unknown as TwimlVerb<'Say'>)).toThrow(/not allowed/);
  });

  it('verbs are immutable', () => {
    const v = say('x');
    expect(() => {
      (v as { xml: string }).xml = '<Hangup/>';
    }).toThrow(TypeError);
  });
});
