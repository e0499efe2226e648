import type { BaseRequest, Services } from '../../kernel/index.js';
import { LIVE } from '../../store/calls.js';
import { waitForSession } from './sessions.js';
import { didWaitSeconds } from './steps.js';

/**
 * did_wait holds here, before anything is loaded for the answer: on the call's pending DID, and
 * only when the request would wait (a live call of this conversation). A parked long-poll keeps
 * ids, not rows; the answer is then built from fresh state like any other.
 */
export async function holdForConfirmation(s: Services, req: BaseRequest & { wait_seconds?: number | undefined }, signal?: AbortSignal) {
  const call = await s.calls.get(req.call_id);
  if (!call || !LIVE.includes(call.status)) return;
  if (call.conversationId !== null && call.conversationId !== (req.conversation_id ?? null)) return;
  const latest = await s.did.latestForCall(call.id);
  if (latest?.status === 'pending') await waitForSession(s, latest.id, didWaitSeconds(req.wait_seconds), signal);
}
