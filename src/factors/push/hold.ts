import type { BaseRequest, Services } from '../../kernel/index.js';
import { LIVE } from '../../store/calls.js';
import type { PushChallenge } from './store.js';
import { challengeKey, readChallenge } from './challenge.js';

const DEFAULT_WAIT_SECONDS = 10;
/** The longest a push_wait holds: under every voice platform's tool timeout. */
export const MAX_WAIT_SECONDS = 20;

/**
 * Holds until the challenge leaves 'pending', it expires, `waitSeconds` pass or the client goes
 * away. Only ids are held while parked; state is re-read from SQL after every wake, so a lost
 * wake-up costs latency, never correctness.
 */
export async function waitForChallenge(s: Services, id: string, waitSeconds: number, signal?: AbortSignal): Promise<PushChallenge | undefined> {
  const until = Date.now() + Math.max(0, waitSeconds) * 1000;
  for (;;) {
    const stored = await s.push.get(id);
    const c = stored && (await readChallenge(s, stored));
    const left = until - Date.now();
    if (!c || c.status !== 'pending' || left <= 0 || signal?.aborted) return c;
    const parkMs = Math.min(left, c.expiresAt - s.clock.now() + 1);
    if ((await s.waker.wait(challengeKey(c), parkMs, signal)) === 'aborted') return c;
  }
}

/**
 * push_wait holds here, before anything is loaded for its answer: on the call's pending push,
 * only for a live call of this conversation. `wait_seconds` is the tool's field (the DID declares
 * it; push_wait reads the same argument).
 */
export async function holdForApproval(s: Services, req: BaseRequest & { wait_seconds?: unknown }, signal?: AbortSignal) {
  const call = await s.calls.get(req.call_id);
  if (!call || !LIVE.includes(call.status)) return;
  if (call.conversationId !== null && call.conversationId !== (req.conversation_id ?? null)) return;
  const latest = await s.push.latestForCall(call.id);
  const requested = typeof req.wait_seconds === 'number' ? req.wait_seconds : DEFAULT_WAIT_SECONDS;
  if (latest?.status === 'pending') await waitForChallenge(s, latest.id, Math.min(requested, MAX_WAIT_SECONDS), signal);
}
