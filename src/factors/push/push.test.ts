import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ring, type TestApp } from '../../../test/helpers/app.js';
import { decoy, pushDevice, type PushDevice, pushTestApp } from '../../../test/helpers/push-device.js';

let t: TestApp;
let ada: PushDevice;

beforeEach(async () => {
  ({ t, ada } = await pushTestApp({ register: false }));
});
afterEach(() => t.close());

const row = (sql: string, ...args: unknown[]) => t.sqlite.prepare(sql).get(...args) as Record<string, any>;

describe('offered first when it can work', () => {
  it('a device registered for pushes makes push_send the next step; an enrolled key alone does not', async () => {
    await ring(t, 'P0');
    expect((await t.tool('P0', 'status')).body.next_required_step).toBe('otp_send');
    expect((await ada.register()).body).toEqual({ success: true, device_id: 'ada-phone', transport: 'pull' });
    expect((await t.tool('P0', 'status')).body.next_required_step).toBe('push_send');
  });

  it('an unclaimed call is not sent a push, and a customer without a push device is not_enrolled', async () => {
    await ring(t, 'P1', '+15550001111', { identify: false });
    expect((await t.tool('P1', 'push_send')).body).toMatchObject({ success: false, reason: 'not_identified' });
    await ring(t, 'P2');
    expect((await t.tool('P2', 'push_send')).body).toMatchObject({ success: false, reason: 'not_enrolled' });
  });
});

describe('number matching', () => {
  beforeEach(async () => {
    await ada.register();
    await ring(t, 'PA');
  });

  it('the right number approves: push_wait, held, answers the moment the approval commits', async () => {
    const sent = await t.tool('PA', 'push_send');
    expect(sent.body).toMatchObject({ success: true, next_required_step: 'push_wait', ttl_seconds: 60 });
    const number = sent.body.push_number as string;
    expect(number).toMatch(/^[1-9]\d$/);
    expect(sent.body.push_prompts.speak).toContain(number);
    expect(sent.body.push_prompts.denied).toMatch(/specialist/);
    const c = await ada.challenge();
    expect(c.choices).toHaveLength(3);
    expect(new Set(c.choices).size).toBe(3);
    expect(c.choices).toContain(number);
    // The app is never told which choice is right.
    expect(JSON.stringify(c)).not.toMatch(/"number"/);

    const waiting = t.tool('PA', 'push_wait', { wait_seconds: 10 });
    await new Promise((r) => setTimeout(r, 30));
    expect((await ada.approve(c, number)).body).toEqual({ success: true, status: 'approved' });
    const done = await waiting;
    expect(done.body).toMatchObject({ success: true, push_status: 'approved', privileged_allowed: true, next_required_step: 'none' });
    expect(done.body.auth_state).toMatchObject({ status: 'authenticated', successes: ['did'] });
    expect(t.eventTypes('PA')).toEqual(expect.arrayContaining(['push_sent', 'factor_passed', 'push_approved']));
  });

  it('50 concurrent approvals: one transition, the other 49 refused', async () => {
    const number = (await t.tool('PA', 'push_send')).body.push_number as string;
    const c = await ada.challenge();
    const answers = await Promise.all(Array.from({ length: 50 }, () => ada.approve(c, number)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409 && a.body.reason === 'not_pending')).toHaveLength(49);
    expect(t.eventTypes('PA').filter((e) => e === 'push_approved')).toHaveLength(1);
    expect(t.eventTypes('PA').filter((e) => e === 'factor_passed')).toHaveLength(1);
  });

  it('a replayed approval is refused and changes nothing', async () => {
    const number = (await t.tool('PA', 'push_send')).body.push_number as string;
    const c = await ada.challenge();
    expect((await ada.approve(c, number)).status).toBe(200);
    const before = row('select status, resolved_at from push_challenges where id = ?', c.challenge_id);
    expect((await ada.approve(c, number)).body).toMatchObject({ success: false, reason: 'not_pending', status: 'approved' });
    expect(row('select status, resolved_at from push_challenges where id = ?', c.challenge_id)).toEqual(before);
  });

  it('a wrong number is a failed check and a fraud signal, and ends the push', async () => {
    const number = (await t.tool('PA', 'push_send')).body.push_number as string;
    const c = await ada.challenge();
    expect((await ada.approve(c, decoy(c, number))).body).toEqual({ success: false, reason: 'wrong_number', status: 'rejected' });
    const call = row('select failures, signals, successes from calls where id = ?', 'PA');
    expect(call.failures).toBe(1);
    expect(JSON.parse(call.signals)).toMatchObject({ push_wrong_number: true });
    expect(JSON.parse(call.successes)).toEqual({});
    const waited = await t.tool('PA', 'push_wait', { wait_seconds: 1 });
    expect(waited.body).toMatchObject({ success: false, reason: 'wrong_number', push_status: 'rejected' });
    // The push is over: the right number now changes nothing, and no other push is offered on the call.
    expect((await ada.approve(c, number)).body).toMatchObject({ reason: 'not_pending' });
    expect(waited.body.next_required_step).not.toMatch(/^push_/);
    const failed = t.sqlite.prepare("select data from events where call_id = 'PA' and type = 'factor_failed'").all() as { data: string }[];
    expect(failed.map((e) => JSON.parse(e.data))).toEqual([{ factor: 'push', reason: 'wrong_number' }]);
  });

  it('a number that was not among the choices, a bad signature or another nonce change nothing', async () => {
    const number = (await t.tool('PA', 'push_send')).body.push_number as string;
    const c = await ada.challenge();
    const outside = ['10', '11', '12', '13'].find((n) => !c.choices.includes(n))!;
    expect((await ada.approve(c, outside)).body).toMatchObject({ reason: 'not_a_choice' });
    const signed = await import('./app-device.js').then((m) => m.approveBody(ada.key, ada.deviceId, c, number));
    expect((await t.appPost('/push/approve', { ...signed, number: decoy(c, number) })).body).toMatchObject({ reason: 'bad_signature' });
    const other = await import('./app-device.js').then((m) => m.approveBody(ada.key, ada.deviceId, { ...c, nonce: 'A'.repeat(24) }, number));
    expect((await t.appPost('/push/approve', other)).body).toMatchObject({ reason: 'nonce_invalid' });
    expect(row('select status from push_challenges where id = ?', c.challenge_id).status).toBe('pending');
    expect(row('select failures from calls where id = ?', 'PA').failures).toBe(0);
    // Another customer's device cannot even see it.
    await t.admin('POST', '/customers', { customer_id: 'cust_bob', account_refs: ['BOB-1'] });
    const bob = await pushDevice(t, 'cust_bob', 'bob-phone');
    expect((await t.appPost('/push/approve', await import('./app-device.js').then((m) => m.approveBody(bob.key, bob.deviceId, c, number)))).body).toMatchObject({
      reason: 'unknown_challenge',
    });
    expect((await ada.approve(c, number)).status).toBe(200);
  });

  it('expires: push_wait says so and a late approval is refused', async () => {
    const number = (await t.tool('PA', 'push_send')).body.push_number as string;
    const c = await ada.challenge();
    t.clock.advance(61_000);
    expect((await t.tool('PA', 'push_wait', { wait_seconds: 1 })).body).toMatchObject({ reason: 'expired', push_status: 'expired' });
    expect((await ada.approve(c, number)).body).toMatchObject({ success: false, reason: 'expired' });
    expect(row('select successes from calls where id = ?', 'PA').successes).toBe('{}');
  });

  it('push_cancel: the caller cannot use the app, the next step is another factor', async () => {
    await t.tool('PA', 'push_send');
    const canceled = await t.tool('PA', 'push_cancel');
    expect(canceled.body).toMatchObject({ success: true, push_status: 'canceled', next_required_step: 'otp_send' });
    expect((await ada.pending()).body.challenges).toEqual([]);
  });

  it('a claim that moves cancels the push: it cannot prove the new customer', async () => {
    const number = (await t.tool('PA', 'push_send')).body.push_number as string;
    const c = await ada.challenge();
    await t.admin('POST', '/customers', { customer_id: 'cust_bob', account_refs: ['BOB-1'] });
    await t.tool('PA', 'identify', { account_ref: 'BOB-1' });
    expect((await ada.approve(c, number)).body).toMatchObject({ reason: 'not_pending', status: 'canceled' });
    expect(row('select successes from calls where id = ?', 'PA').successes).toBe('{}');
  });
});

describe('the pull channel', () => {
  it('a held long-poll gets the push the moment it is created', async () => {
    await ada.register();
    await ring(t, 'PL');
    const polling = ada.pending(10);
    await new Promise((r) => setTimeout(r, 30));
    const number = (await t.tool('PL', 'push_send')).body.push_number as string;
    const got = await polling;
    expect(got.status).toBe(200);
    expect(got.body.challenges).toHaveLength(1);
    expect(got.body.challenges[0].choices).toContain(number);
  });

  it('refuses a stale timestamp, a bad signature and an unregistered device', async () => {
    const { pollQuery } = await import('./app-device.js');
    const stale = await pollQuery(ada.key, ada.deviceId, t.clock.now() - 600_000);
    expect((await t.app.request(`/app/push/pending?${stale}`)).status).toBe(401);
    expect((await ada.pending()).body).toMatchObject({ reason: 'unknown_device' });
    await ada.register();
    const forged = new URLSearchParams(await pollQuery(ada.key, 'someone-else', t.clock.now()));
    forged.set('device_id', ada.deviceId);
    expect((await (await t.app.request(`/app/push/pending?${forged}`)).json()) as object).toMatchObject({ reason: 'bad_signature' });
    const res = await t.app.request('/app/push/pending?device_id=ada-phone&timestamp=soon&signature=x');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(expect.arrayContaining(['timestamp', 'signature']));
  });

  it('a registration names the field it lacks', async () => {
    const r = await t.appPost('/push/register', { device_id: 'ada-phone', transport: 'webpush', address: 'https://push.example/x', timestamp: t.clock.now(), signature: 'A'.repeat(86) });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'p256dh' })]));
  });
});
