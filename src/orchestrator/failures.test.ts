// Failed checks counted against a call: a burst of wrong codes is flagged once, however many of
// the failures that reach the threshold run at the same moment.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policyFor } from '../kernel/index.js';
import { enrolAda, makeTestApp, ring, type TestApp } from '../../test/helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
  await enrolAda(t);
});
afterEach(() => t.close());

describe('wrong_code_burst', () => {
  it('is raised and recorded once when concurrent failures all cross the threshold', async () => {
    for (const id of ['CB1', 'CB2', 'CB3']) {
      await ring(t, id);
      const call = (await t.services.calls.get(id))!;
      const policy = policyFor(t.services, call);
      // Every failure starts from the same row, read before any of them: as concurrent requests do.
      await Promise.all(Array.from({ length: 6 }, () => t.services.outcome.failedCheck(call, policy, 'otp', 'wrong_code', t.clock.now())));
      expect(t.eventTypes(id).filter((e) => e === 'wrong_code_burst'), id).toHaveLength(1);
      expect((await t.services.calls.get(id))!.signals.wrong_code_burst).toBe(true);
    }
  });

  it('raiseSignal turns a flag on once, and never on a terminal call', async () => {
    await ring(t, 'CB4');
    expect(await t.services.calls.raiseSignal('CB4', 'wrong_code_burst', t.clock.now())).toBeDefined();
    expect(await t.services.calls.raiseSignal('CB4', 'wrong_code_burst', t.clock.now())).toBeUndefined();
    await t.tool('CB4', 'handoff');
    expect(await t.services.calls.raiseSignal('CB4', 'poor_audio', t.clock.now())).toBeUndefined();
  });
});
