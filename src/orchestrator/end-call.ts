import type { Services } from '../kernel/index.js';
import type { CallRow } from '../store/schema/calls.js';
import { closeFactors } from './close.js';

/**
 * The one place a call ends (the platform says the conversation is over): its auth_state leaves
 * every live or closed status for `ended`, once, and each factor voids what it still had
 * outstanding (also on a retried webhook, which finds the call already ended).
 */
export async function endCall(s: Services, call: CallRow, now: number, data: Record<string, unknown>): Promise<CallRow> {
  const ended = await s.calls.end(call.id, now);
  if (ended) await s.audit.record(call.id, 'call_ended', now, data);
  await closeFactors(s, ended ?? call, now);
  return ended ?? (await s.calls.get(call.id)) ?? call;
}
