import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consoleClient, csrfOf } from '../../../test/helpers/console-client.js';
import { enrolAda, enrolDevice, makeTestApp, passOtp, ring, SECRETS, type TestApp } from '../../../test/helpers/app.js';
import { OPERATOR_DID_WINDOW_MS } from './operator.js';

let t: TestApp;
let c: ReturnType<typeof consoleClient>;
let ada: Awaited<ReturnType<typeof enrolDevice>>;
let bob: Awaited<ReturnType<typeof enrolDevice>>;

beforeEach(async () => {
  t = await makeTestApp();
  await enrolAda(t);
  await t.admin('POST', '/customers', { customer_id: 'cust_bob', phones: ['+15551230000'], account_refs: ['BOB-777'] });
  ada = await enrolDevice(t, 'cust_ada', 'ada-phone');
  bob = await enrolDevice(t, 'cust_bob', 'bob-phone');
  c = consoleClient((path, init) => t.app.request(path, init));
  await c.signIn(SECRETS.admin);
});
afterEach(() => t.close());

/** Presses the call page's DID button as the operator would. */
async function press(callId: string) {
  const page = await c.get(`/console/calls/${encodeURIComponent(callId)}`);
  return c.post(`/console/calls/${encodeURIComponent(callId)}/did`, { _csrf: csrfOf(page.text) });
}
const didOnPage = async (callId: string) => /id="did-digits"[^>]*>(\d{6})</.exec((await c.get(`/console/calls/${callId}`)).text)?.[1];
const callRow = (id: string) => t.sqlite.prepare('select status, successes, failures from calls where id = ?').get(id) as { status: string; successes: string; failures: number };

describe('the operator DID of a handed-off call', () => {
  it('is issued for the claimed customer, confirmed by their device, and changes nothing on the call', async () => {
    await ring(t, 'OP1');
    await t.tool('OP1', 'handoff');
    const before = callRow('OP1');
    expect(before.status).toBe('handed_off');
    expect((await c.get('/console/calls/OP1')).text).toContain('Issue a DID to the caller');

    expect((await press('OP1')).status).toBe(303);
    const did = (await didOnPage('OP1'))!;
    expect(did).toMatch(/^\d{6}$/);
    // Pressing again while it is pending gives the same DID, not a second one.
    expect((await press('OP1')).status).toBe(303);
    expect(await didOnPage('OP1')).toBe(did);

    // Another customer's device cannot confirm it.
    expect((await bob.confirm(did)).body).toMatchObject({ success: false, reason: 'device_not_allowed' });
    expect((await ada.confirm(did)).body).toEqual({ success: true, status: 'confirmed' });
    const page = (await c.get('/console/calls/OP1')).text;
    expect(page).toContain('data-did-status="confirmed"');
    expect(page).toContain('Caller verified by device <span class="mono">ada-phone</span>');
    expect(page).not.toContain(did);

    // The call is as it was: handed off, no factor recorded, privileged tools still refused.
    expect(callRow('OP1')).toEqual(before);
    expect((await t.post('account_summary', 'OP1')).status).toBe(403);
    expect((await t.tool('OP1', 'status')).body).toMatchObject({ privileged_allowed: false, next_required_step: 'transfer_to_human' });
    const events = t.eventTypes('OP1');
    expect(events).toEqual(expect.arrayContaining(['operator_did_issued', 'did_issued', 'confirmed']));
    expect(events).not.toContain('factor_passed');
    const issued = t.sqlite.prepare("select data from events where call_id = 'OP1' and type = 'operator_did_issued'").get() as { data: string };
    expect(JSON.parse(issued.data)).toMatchObject({ customer_id: 'cust_ada', by: 'console', console_session: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
    // Confirmed once: the button says so rather than issuing another.
    expect((await press('OP1')).text).toContain('The caller already confirmed a DID on this call.');
  });

  it('is bound to the customer the call claimed, whatever the device that answers', async () => {
    await ring(t, 'OP2');
    await t.tool('OP2', 'handoff');
    await press('OP2');
    const did = (await didOnPage('OP2'))!;
    // Bob's device gets a nonce (the challenge tells no device which customer a DID is for), but
    // its signed confirmation is refused.
    const challenge = await bob.challenge(did);
    expect(challenge.status).toBe(200);
    const signature = await bob.sign(challenge.body as never, did);
    const res = await t.appPost('/confirm', { session_id: challenge.body.session_id, device_id: 'bob-phone', nonce: challenge.body.nonce, signature });
    expect(res.body).toMatchObject({ success: false, reason: 'device_not_allowed' });
    expect(t.sqlite.prepare("select status from did_sessions where provider = 'operator'").get()).toEqual({ status: 'pending' });
    expect((await c.get('/console/calls/OP2')).text).toContain('data-did-status="pending"');
  });

  it('is refused for a call that is live, blocked, unidentified, too old or whose customer has no device', async () => {
    await ring(t, 'LIVE1');
    expect((await press('LIVE1')).text).toContain('Only a handed-off call gets a DID');

    await ring(t, 'ANON1', '+19995550000', { identify: false });
    await t.tool('ANON1', 'handoff');
    const anon = await press('ANON1');
    expect(anon.status).toBe(409);
    expect(anon.text).toContain('never named an account');

    await t.admin('POST', '/customers', { customer_id: 'cust_cy', phones: ['+15552220000'], account_refs: ['CY-1'] });
    await ring(t, 'CY1', '+15552220000');
    await t.tool('CY1', 'identify', { account_ref: 'CY-1' });
    await t.tool('CY1', 'handoff');
    expect((await c.get('/console/calls/CY1')).text).toContain('data-refusal="not_enrolled"');
    expect((await press('CY1')).text).toContain('has no enrolled device');

    await ring(t, 'OLD1');
    await t.tool('OLD1', 'handoff');
    t.clock.advance(OPERATOR_DID_WINDOW_MS + 1000);
    expect((await c.get('/console/calls/OLD1')).text).toContain('data-refusal="handoff_too_old"');
    expect((await press('OLD1')).status).toBe(409);

    expect(t.sqlite.prepare("select count(*) n from did_sessions where provider = 'operator'").get()).toEqual({ n: 0 });
  });

  it('expires like any DID and may be reissued up to the policy\'s retries', async () => {
    await ring(t, 'OP3');
    await t.tool('OP3', 'handoff');
    for (let attempt = 1; attempt <= 4; attempt++) {
      expect((await press('OP3')).status).toBe(303);
      expect(await didOnPage('OP3')).toMatch(/^\d{6}$/);
      t.clock.advance(61_000);
      expect((await c.get('/console/calls/OP3')).text).toContain('expired unconfirmed');
    }
    // default.yaml: did.max_retries 3 → four DIDs at most.
    expect((await c.get('/console/calls/OP3')).text).toContain('data-refusal="max_retries"');
    expect((await press('OP3')).text).toContain('No DID attempts left');
  });

  it('does not reopen an authenticated call that was later handed off', async () => {
    await ring(t, 'OP4');
    await passOtp(t, 'OP4');
    await t.tool('OP4', 'handoff');
    const before = callRow('OP4');
    await press('OP4');
    await ada.confirm((await didOnPage('OP4'))!);
    expect(callRow('OP4')).toEqual(before);
    expect((await t.post('account_summary', 'OP4')).status).toBe(403);
  });
});
