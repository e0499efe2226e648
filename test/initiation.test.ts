import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrolAda, makeTestApp, ring, SECRETS, testPolicies, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
  await enrolAda(t);
});
afterEach(() => t.close());

describe('POST /elevenlabs/initiation', () => {
  it('answers the exact conversation_initiation_client_data shape', async () => {
    const res = await ring(t, 'CA100');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      type: 'conversation_initiation_client_data',
      dynamic_variables: {
        auth_call_id: 'CA100',
        auth_status: 'pending',
        auth_privileged_allowed: false,
        auth_next_step: 'identify',
        auth_risk_tier: 'low',
        host_session_token: '',
      },
    });
  });

  it('treats caller ID as a lookup hint only: no personal data, nothing unlocked', async () => {
    const res = await ring(t, 'CA101');
    const text = JSON.stringify(res.body);
    for (const personal of ['Ada', 'Lovelace', '0142', '42', 'ada@', 'cust_ada', 'AC1001']) expect(text).not.toContain(personal);
    const gate = await t.post('account_summary', 'CA101');
    expect(gate.status).toBe(403);
    expect(gate.body.reason).toBe('not_authenticated');
  });

  it('answers an enrolled and an unknown caller ID alike: both are asked to identify', async () => {
    const unknown = await ring(t, 'CA102', '+442079460000');
    const enrolled = await ring(t, 'CA103', undefined, { identify: false });
    expect(unknown.body.dynamic_variables.auth_next_step).toBe('identify');
    expect({ ...enrolled.body.dynamic_variables, auth_call_id: 'x' }).toEqual({ ...unknown.body.dynamic_variables, auth_call_id: 'x' });
  });

  it('is idempotent under 50 concurrent identical webhooks: one auth_state, one creation event', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => ring(t, 'CA200')));
    for (const a of answers) expect(a.body).toEqual(answers[0]!.body);
    const rows = t.sqlite.prepare("select count(*) n from calls where id = 'CA200'").get() as { n: number };
    expect(rows.n).toBe(1);
    const created = t.sqlite.prepare("select count(*) n from events where call_id = 'CA200' and type = 'call_created'").get() as { n: number };
    expect(created.n).toBe(1);
  });

  it('returns the same state on a retry after progress, creating nothing new', async () => {
    await ring(t, 'CA201');
    await t.tool('CA201', 'identify', { account_ref: 'AC-1001-2002' });
    await t.tool('CA201', 'otp_send', { channel: 'sms' });
    await t.tool('CA201', 'otp_verify', { code: t.lastCode() });
    const again = await ring(t, 'CA201', undefined, { identify: false });
    expect(again.body.dynamic_variables).toMatchObject({ auth_status: 'authenticated', auth_privileged_allowed: true, auth_next_step: 'none' });
  });

  it('picks the policy by called number (applies_to), else default', async () => {
    const strict = `id: line-b\nversion: 3\napplies_to: {called_numbers: ["+18005550199"]}\ntiers:\n  low: {require: 2, from: [otp, totp]}\n  medium: {require: 2, from: [otp, totp]}\n  high: {handoff: true}\n`;
    t.close();
    t = await makeTestApp({ policies: testPolicies([strict]) });
    await t.initiation({ call_sid: 'CA300', caller_id: '+1', agent_id: 'a', called_number: '+18005550199' });
    await t.initiation({ call_sid: 'CA301', caller_id: '+1', agent_id: 'a', called_number: '+18005550100' });
    expect((await t.tool('CA300', 'status')).body.auth_state.policy).toEqual({ id: 'line-b', version: 3 });
    expect((await t.tool('CA301', 'status')).body.auth_state.policy).toEqual({ id: 'default', version: 1 });
  });

  it('a web/app session (no initiation webhook) gets its policy from system__agent_id', async () => {
    const web = `id: web-app\nversion: 2\napplies_to: {agent_ids: [agent_web]}\ntiers:\n  low: {require: 2, from: [otp, totp]}\n  medium: {require: 2, from: [otp, totp]}\n  high: {handoff: true}\n`;
    t.close();
    t = await makeTestApp({ policies: testPolicies([web]) });
    const first = await t.tool('conv-web-1', 'status', { agent_id: 'agent_web' });
    expect(first.body.auth_state.policy).toEqual({ id: 'web-app', version: 2 });
    // Chosen once, at creation: a later request naming another agent does not move the call.
    expect((await t.tool('conv-web-1', 'status', { agent_id: 'agent_other' })).body.auth_state.policy).toEqual({ id: 'web-app', version: 2 });
    expect((await t.tool('conv-web-2', 'status', { agent_id: 'agent_other' })).body.auth_state.policy).toEqual({ id: 'default', version: 1 });
    expect((await t.tool('conv-web-3', 'status', { agent_id: '' })).body.auth_state.policy).toEqual({ id: 'default', version: 1 });
  });

  it('tolerates unknown fields and names missing ones', async () => {
    const ok = await t.initiation({ call_sid: 'CA400', caller_id: null, future_field: { x: 1 } });
    expect(ok.status).toBe(200);
    const bad = await t.initiation({ caller_id: '+1' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ success: false, reason: 'invalid_request' });
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['call_sid']);
  });

  it('refuses a wrong or missing bearer secret with 401 JSON', async () => {
    const wrong = await t.send('POST', '/elevenlabs/initiation', { call_sid: 'CA1' }, SECRETS.admin);
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ success: false, reason: 'unauthorized' });
    const none = await t.app.request('/elevenlabs/initiation', { method: 'POST', body: '{"call_sid":"CA1"}' });
    expect(none.status).toBe(401);
  });
});
