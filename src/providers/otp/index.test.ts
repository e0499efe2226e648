import { afterEach, describe, expect, it } from 'vitest';
import { startHttpSink, type HttpSink } from '../../../test/fakes/http-sink.js';
import { startFakeTwilio, type FakeTwilio } from '../../../test/fakes/twilio.js';
import { loadConfig, type Config } from '../../config.js';
import { verifyBody } from '../../crypto/signature.js';
import { createOtpSender, DevOutbox, type OtpMessage } from './index.js';

const DEV = {
  CALLGATE_TOOL_SECRET: 'a',
  CALLGATE_IVR_SECRET: 'b',
  CALLGATE_ADMIN_TOKEN: 'c',
  CALLGATE_SECRET_KEY: 'd',
};
const PROD = {
  NODE_ENV: 'production',
  CALLGATE_TOOL_SECRET: 't'.repeat(32),
  CALLGATE_IVR_SECRET: 'i'.repeat(32),
  CALLGATE_ADMIN_TOKEN: 'a'.repeat(32),
  CALLGATE_SECRET_KEY: 'k'.repeat(32),
};
const clock = { now: () => Date.parse('2030-01-01T00:00:00.000Z') };
const msg: OtpMessage = { to: '+15551234567', channel: 'sms', code: '271828', call_id: 'CA1', expires_at: '2030-01-01T00:05:00.000Z' };

function config(env: Record<string, string>): Config {
  const r = loadConfig(env, DEV);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

describe('createOtpSender', () => {
  it('console (development): prints the code and fills the outbox', async () => {
    const lines: string[] = [];
    const outbox = new DevOutbox();
    const s = createOtpSender(config({}), { clock, outbox, write: (l) => lines.push(l) });
    expect(s.name).toBe('console');
    expect((await s.send(msg)).ok).toBe(true);
    expect(lines.join()).toContain('271828');
    expect(outbox.list()[0]?.code).toBe('271828');
  });

  it('console in production: no code in the log, no outbox', async () => {
    const lines: string[] = [];
    const outbox = new DevOutbox();
    const s = createOtpSender(config(PROD), { clock, outbox, write: (l) => lines.push(l) });
    await s.send(msg);
    expect(lines.join()).not.toContain('271828');
    expect(outbox.list()).toEqual([]);
  });

  it('webhook', async () => {
    const sink: HttpSink = await startHttpSink();
    closers.push(() => sink.close());
    const s = createOtpSender(
      config({ CALLGATE_OTP_DELIVERY: 'webhook', CALLGATE_OTP_WEBHOOK_URL: `${sink.url}/hook`, CALLGATE_OTP_WEBHOOK_SECRET: 'hooksecret' }),
      { clock },
    );
    expect(s.name).toBe('webhook');
    expect(await s.send(msg)).toEqual({ ok: true });
    const req = sink.requests[0]!;
    expect(await verifyBody('hooksecret', req.headers['x-callgate-signature'] as string, req.rawBody, clock.now() / 1000)).toMatchObject({ ok: true });
  });

  it('twilio', async () => {
    const twilio: FakeTwilio = await startFakeTwilio();
    closers.push(() => twilio.close());
    const s = createOtpSender(
      config({
        CALLGATE_OTP_DELIVERY: 'twilio',
        TWILIO_ACCOUNT_SID: twilio.accountSid,
        TWILIO_AUTH_TOKEN: twilio.authToken,
        TWILIO_MESSAGING_FROM: '+15005550006',
        TWILIO_API_BASE_URL: twilio.url,
      }),
      { clock },
    );
    expect(s.name).toBe('twilio');
    const r = await s.send(msg);
    expect(r.ok && r.provider_id).toMatch(/^SM/);
    expect(twilio.messages[0]!.body).toContain('271828');
  });
});
