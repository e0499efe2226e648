import { fail, ok, type StepContext, type StepResult } from '../../kernel/index.js';
import type { PushChallenge } from './store.js';
import { cancelChallenge, issuePush, readChallenge } from './challenge.js';
import { pushPrompts } from './prompts.js';
import type { PushReason } from './reasons.js';

/**
 * push_send: a push to the claimed customer's device, with the two-digit number the agent says.
 * The approval in the app (not this tool) records the factor; push_wait answers when it commits.
 */
export async function pushSend({ s, call, policy, now }: StepContext): Promise<StepResult<PushReason>> {
  if (!call.customerId) return fail('not_identified');
  const counted = policy.factors.push.counts_as;
  if (call.successes[counted] !== undefined) return fail('already_confirmed');
  const issued = await issuePush(s, call.id, call.customerId, policy, now);
  if (!issued.ok) return fail(issued.reason);
  const c = issued.challenge;
  return ok({
    extra: {
      push_number: c.number,
      push_status: c.status,
      ttl_seconds: Math.max(0, Math.ceil((c.expiresAt - now) / 1000)),
      push_prompts: pushPrompts(c.number),
    },
  });
}

/** push_wait, answered: the state of the call's latest push (the holding happened before, in `hold`). */
export async function pushWait({ s, call }: StepContext): Promise<StepResult<PushReason>> {
  const latest = await s.push.latestForCall(call.id);
  if (!latest) return fail('no_push');
  return waitResult(await readChallenge(s, latest));
}

function waitResult(c: PushChallenge): StepResult<PushReason> {
  const extra = { push_status: c.status };
  switch (c.status) {
    case 'approved':
      return ok({ extra });
    case 'pending':
      return fail('pending', { extra: { ...extra, push_prompts: { waiting: pushPrompts(c.number).waiting } } });
    case 'expired':
      return fail('expired', { extra });
    case 'canceled':
      return fail('canceled', { extra });
    case 'denied':
      return fail('denied', { extra: { ...extra, push_prompts: { denied: pushPrompts(c.number).denied } } });
    case 'rejected':
      return fail('wrong_number', { extra: { ...extra, push_prompts: { wrong_number: pushPrompts(c.number).wrong_number } } });
  }
}

/** push_cancel: the caller cannot use the app; the next step is another factor. */
export async function pushCancel({ s, call, now }: StepContext): Promise<StepResult<PushReason>> {
  const latest = await s.push.latestForCall(call.id);
  if (!latest) return fail('no_push');
  const current = await readChallenge(s, latest);
  if (current.status !== 'pending') return fail('not_pending', { extra: { push_status: current.status } });
  const canceled = await cancelChallenge(s, current, now, 'agent');
  return canceled.status === 'canceled' ? ok({ extra: { push_status: 'canceled' } }) : fail('not_pending', { extra: { push_status: canceled.status } });
}
