// The push store's one conditional write that a push service's answer causes: a target called gone
// is dropped only while it is still the device's (an app that re-registered meanwhile keeps its new one).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrolAda, enrolDevice, makeTestApp, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
  await enrolAda(t);
  await enrolDevice(t, 'cust_ada', 'ada-phone');
});
afterEach(() => t.close());

const target = () => (t.sqlite.prepare('select transport, target from push_devices where device_id = ?').get('ada-phone') as { transport: string; target: string | null });

describe('dropTarget', () => {
  it('drops the gone address, and leaves a newer registration alone', async () => {
    const now = t.clock.now();
    await t.services.push.register({ deviceId: 'ada-phone', customerId: 'cust_ada', transport: 'fcm', target: { address: 'old-token-0123456789abcdef0123456789' }, now });
    await t.services.push.register({ deviceId: 'ada-phone', customerId: 'cust_ada', transport: 'fcm', target: { address: 'new-token-0123456789abcdef0123456789' }, now });
    // A late "unregistered" for the old token changes nothing.
    await t.services.push.dropTarget('ada-phone', 'old-token-0123456789abcdef0123456789', now);
    expect(target().transport).toBe('fcm');
    expect(JSON.parse(target().target!)).toMatchObject({ address: 'new-token-0123456789abcdef0123456789' });
    await t.services.push.dropTarget('ada-phone', 'new-token-0123456789abcdef0123456789', now);
    expect(target()).toEqual({ transport: 'pull', target: null });
  });
});
