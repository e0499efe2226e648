import { generate } from 'otplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrolAda, makeTestApp, ring, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
let totpSecret: string;
beforeEach(async () => {
  t = await makeTestApp();
  const uri = await enrolAda(t);
  totpSecret = new URL(uri).searchParams.get('secret')!;
  await ring(t, 'CA1');
});
afterEach(() => t.close());

const totpAt = (ms: number) => generate({ secret: totpSecret, epoch: Math.floor(ms / 1000) });

describe('TOTP (otp_verify with channel app)', () => {
  it('accepts the current code from the authenticator app', async () => {
    const res = await t.tool('CA1', 'otp_verify', { channel: 'app', code: await totpAt(t.clock.now()) });
    expect(res.body).toMatchObject({ success: true, privileged_allowed: true, auth_state: { successes: ['totp'] } });
  });

  it('refuses a replay of the same code, even on another call', async () => {
    const code = await totpAt(t.clock.now());
    expect((await t.tool('CA1', 'otp_verify', { channel: 'app', code })).body.success).toBe(true);
    await ring(t, 'CA2');
    const replay = await t.tool('CA2', 'otp_verify', { channel: 'app', code });
    expect(replay.body).toMatchObject({ success: false, reason: 'code_used' });
  });

  it('accepts the next time step but not an older one', async () => {
    const now = t.clock.now();
    expect((await t.tool('CA1', 'otp_verify', { channel: 'app', code: await totpAt(now + 30_000) })).body.success).toBe(true);
    await ring(t, 'CA2');
    expect((await t.tool('CA2', 'otp_verify', { channel: 'app', code: await totpAt(now) })).body).toMatchObject({ success: false, reason: 'code_used' });
  });

  it('accepts only one time step either side of now', async () => {
    const now = t.clock.now();
    expect((await t.tool('CA1', 'otp_verify', { channel: 'app', code: await totpAt(now - 90_000) })).body.reason).toBe('wrong_code');
    expect((await t.tool('CA1', 'otp_verify', { channel: 'app', code: await totpAt(now + 90_000) })).body.reason).toBe('wrong_code');
  });

  it('rejects wrong codes with counted attempts and refuses unenrolled customers', async () => {
    const res = await t.tool('CA1', 'otp_verify', { channel: 'app', code: '12345' });
    expect(res.body).toMatchObject({ success: false, reason: 'wrong_code', remaining_attempts: 2 });
    await t.admin('POST', '/customers', { customer_id: 'c2', phones: ['+15551230000'], account_refs: ['ZZ-777'] });
    await ring(t, 'CA2', '+15551230000');
    await t.tool('CA2', 'identify', { account_ref: 'ZZ-777' });
    expect((await t.tool('CA2', 'otp_verify', { channel: 'app', code: '123456' })).body.reason).toBe('not_enrolled');
  });

  it('points a TOTP-enrolled caller to the app when the policy prefers it', async () => {
    const { testPolicies } = await import('../../../test/helpers/app.js');
    t.close();
    t = await makeTestApp({ policies: testPolicies([`id: default\nversion: 2\ntiers:\n  low: {require: 1, from: [totp, otp]}\n  medium: {require: 2, from: [totp, otp]}\n  high: {handoff: true}\n`]) });
    await enrolAda(t);
    expect((await ring(t, 'CA1', undefined, { identify: false })).body.dynamic_variables.auth_next_step).toBe('identify');
    await t.tool('CA1', 'identify', { account_ref: 'AC-1001-2002' });
    expect((await t.tool('CA1', 'status')).body).toMatchObject({ next_required_step: 'otp_verify', next_step_args: { channel: 'app' } });
  });
});
