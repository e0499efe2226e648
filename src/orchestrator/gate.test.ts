import { describe, expect, it } from 'vitest';
import type { Decision } from '../policy/index.js';
import type { CallRow } from '../store/schema/calls.js';
import { refusalReason } from './gate.js';

const call = (over: Partial<CallRow>) => ({ status: 'pending', customerId: 'c1', authenticatedAt: null, ...over }) as CallRow;
const decision = (allowed: boolean) => ({ allowed }) as Decision;

// One rule for the gate and for `npm run policy -- explain`, so the two cannot drift apart.
describe('refusalReason', () => {
  it('refuses ended and closed calls first, whatever the policy says', () => {
    expect(refusalReason(call({ status: 'ended' }), decision(true), decision(true))).toBe('ended');
    expect(refusalReason(call({ status: 'handed_off' }), decision(true), decision(true))).toBe('blocked');
    expect(refusalReason(call({ status: 'blocked' }), decision(true), decision(true))).toBe('blocked');
  });

  it('lets an allowed, identified call through', () => {
    expect(refusalReason(call({ status: 'authenticated', authenticatedAt: 1 }), decision(true), decision(true))).toBeNull();
    expect(refusalReason(call({ customerId: null }), decision(true), decision(true))).toBe('not_authenticated');
  });

  it('calls it a step-up once the caller has proved who they are, even after a signal stepped the call down', () => {
    expect(refusalReason(call({}), decision(false), decision(false))).toBe('not_authenticated');
    expect(refusalReason(call({ status: 'authenticated', authenticatedAt: 1 }), decision(false), decision(true))).toBe('step_up_required');
    expect(refusalReason(call({ status: 'pending', authenticatedAt: 1 }), decision(false), decision(false))).toBe('step_up_required');
  });
});
