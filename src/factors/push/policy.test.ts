import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate, parsePolicy } from '../../policy/index.js';
import { findNonMonotone } from '../../policy/monotone.js';
import { afterEach } from 'vitest';
import { enrolAda, makeTestApp, ring, type TestApp } from '../../../test/helpers/app.js';
import { pushDevice } from '../../../test/helpers/push-device.js';

const text = readFileSync(new URL('../../../policies/examples/push.yaml', import.meta.url), 'utf8');

describe('policies/examples/push.yaml', () => {
  it('validates, is monotone, and prefers push on both tiers that authenticate', () => {
    const r = parsePolicy(text, 'policies/examples/push.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(findNonMonotone(r.policy)).toBeUndefined();
    const d = evaluate(r.policy, {}, {}, { now: 0 });
    expect(d.eligible[0]).toBe('push');
    // Counted as the DID: an approval and a DID are one factor on the medium tier, never two.
    expect(evaluate(r.policy, { push_wrong_number: true }, { did: 0 }, { now: 0 })).toMatchObject({ tier: 'medium', allowed: false, counted: ['did'] });
  });
});

describe('the shipped default policy', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('never offers a push (it does not list push): a registered device changes nothing there', async () => {
    t = await makeTestApp();
    await enrolAda(t);
    await (await pushDevice(t, 'cust_ada', 'ada-phone')).register();
    await ring(t, 'D1');
    expect((await t.tool('D1', 'status')).body.next_required_step).toBe('otp_send');
  });

  it('serves the example on the line it names, next to the default', async () => {
    const { testPolicies } = await import('../../../test/helpers/app.js');
    t = await makeTestApp({ policies: testPolicies([text]) });
    await enrolAda(t);
    await (await pushDevice(t, 'cust_ada', 'ada-phone')).register();
    await t.initiation({ call_sid: 'L1', caller_id: '+14155550142', agent_id: 'agent_1', called_number: '+18005550199' });
    const id = await t.tool('L1', 'identify', { account_ref: 'AC-1001-2002' });
    expect(id.body).toMatchObject({ next_required_step: 'push_send', auth_state: { policy: { id: 'push', version: 1 } } });
  });
});
