import { toBase64Url } from '../../crypto/bytes.js';
import { randomId, type RandomSource } from '../../crypto/random.js';
import type { Services } from '../../kernel/index.js';
import type { Policy } from '../../policy/index.js';
import type { PushChallenge, PushDevice } from './store.js';
import { deliver } from './delivery/deliver.js';

/** The waker key of a challenge, a topic of its call (push_wait holds on it). */
export const challengeKey = (c: Pick<PushChallenge, 'id' | 'callId'>) => ({ callId: c.callId, topic: `push:${c.id}` });
/** A device's pull long-poll: it waits before any call exists for it, so its key is the device's. */
export const deviceKey = (deviceId: string) => ({ deviceId, topic: 'push' });

/** The timer kind of a push's expiry (its ref: the challenge id). */
export const PUSH_TTL = 'push_ttl';

/** A uniform integer in [0, n) from the CSPRNG (rejection sampling, no modulo bias). */
function below(random: RandomSource, n: number): number {
  const limit = 256 - (256 % n);
  for (;;) for (const b of random.bytes(8)) if (b < limit) return b % n;
}

/**
 * The number the agent says (10–99, so it is always two spoken digits) and the three choices the
 * app shows: it and two distinct decoys, in random order.
 */
export function drawNumber(random: RandomSource): { number: string; choices: string[] } {
  const picked: number[] = [];
  while (picked.length < 3) {
    const n = 10 + below(random, 90);
    if (!picked.includes(n)) picked.push(n);
  }
  const choices = picked.map(String);
  for (let i = choices.length - 1; i > 0; i--) {
    const j = below(random, i + 1);
    [choices[i], choices[j]] = [choices[j]!, choices[i]!];
  }
  return { number: String(picked[0]), choices };
}

export type IssueResult =
  | { ok: true; challenge: PushChallenge; created: boolean }
  | { ok: false; reason: 'not_enrolled' | 'push_paused' | 'push_pending' | 'rate_limited' };

/**
 * A push for the call's claimed customer to their push device: the call's pending one when there
 * is one (a retried push_send), else a new one if every limit allows it (decided by the insert).
 */
export async function issuePush(s: Services, callId: string, customerId: string, policy: Policy, now: number): Promise<IssueResult> {
  const cfg = policy.factors.push;
  const windowMs = cfg.per_customer.window_seconds * 1000;
  const state = await s.push.state(callId, customerId, windowMs, now);
  if (!state.device) return { ok: false, reason: 'not_enrolled' };
  const current = state.latest && (await readChallenge(s, state.latest));
  if (current?.status === 'pending' && current.customerId === customerId) return { ok: true, challenge: current, created: false };
  const refused = refusal(state, cfg);
  if (refused) return refuse(s, callId, refused, now);

  // An overdue push nobody read yet would hold the customer's one pending slot: expire it first
  // (the sweep does the same on its own schedule).
  for (const overdue of await s.push.expireOverdueFor(customerId, now)) await resolved(s, overdue, 'push_expired', now);
  const { number, choices } = drawNumber(s.random);
  const inserted = await s.push.insertIfAllowed({
    id: randomId(s.random, 'push'),
    callId,
    customerId,
    deviceId: state.device.deviceId,
    number,
    choices,
    callBinding: toBase64Url(s.random.bytes(16)),
    nonce: toBase64Url(s.random.bytes(18)),
    now,
    expiresAt: now + cfg.ttl_seconds * 1000,
    perCustomer: { max: cfg.per_customer.max, windowMs },
    maxPerCall: cfg.max_per_call,
  });
  if (!inserted) {
    // A concurrent push_send of this call won (answer its push), or a limit refused this one.
    const again = await s.push.state(callId, customerId, windowMs, now);
    if (again.latest?.status === 'pending' && again.latest.customerId === customerId) return { ok: true, challenge: again.latest, created: false };
    return refuse(s, callId, refusal(again, cfg) ?? 'push_pending', now);
  }
  s.timers.at(callId, PUSH_TTL, inserted.expiresAt, inserted.id);
  await s.audit.record(callId, 'push_sent', now, { challenge_id: inserted.id, device_id: inserted.deviceId, transport: state.device.transport, ttl_seconds: cfg.ttl_seconds });
  announce(s, inserted, state.device, now);
  return { ok: true, challenge: inserted, created: true };
}

function refusal(state: Awaited<ReturnType<Services['push']['state']>>, cfg: Policy['factors']['push']) {
  if (state.pausedUntil !== null) return 'push_paused' as const;
  if (state.pendingElsewhere) return 'push_pending' as const;
  if (state.sentOnCall >= cfg.max_per_call || state.sentInWindow >= cfg.per_customer.max) return 'rate_limited' as const;
  return undefined;
}

async function refuse(s: Services, callId: string, reason: 'push_paused' | 'push_pending' | 'rate_limited', now: number): Promise<IssueResult> {
  await s.audit.record(callId, 'push_refused', now, { reason });
  return { ok: false, reason };
}

/** The device learns of the push at once: its pull long-poll is woken, and its push service (if any) told. */
function announce(s: Services, c: PushChallenge, device: PushDevice, now: number) {
  s.waker.wake(deviceKey(c.deviceId));
  if (device.transport !== 'pull' && device.target && s.pushSender) s.background(deliver(s, c, device, now));
}

/** The challenge as it stands now: a pending one past its TTL is expired on read. */
export async function readChallenge(s: Services, c: PushChallenge): Promise<PushChallenge> {
  if (c.status !== 'pending' || c.expiresAt > s.clock.now()) return c;
  const now = s.clock.now();
  const expired = await s.push.expire(c.id, now);
  if (!expired) return (await s.push.get(c.id)) ?? c;
  await resolved(s, expired, 'push_expired', now);
  return expired;
}

export async function cancelChallenge(s: Services, c: PushChallenge, now: number, by: string): Promise<PushChallenge> {
  const canceled = await s.push.cancel(c.id, now);
  if (!canceled) return readChallenge(s, (await s.push.get(c.id)) ?? c);
  await resolved(s, canceled, 'push_canceled', now, { by });
  return canceled;
}

/** Audits a terminal transition once (only its winner gets here) and wakes whoever waits on it. */
export async function resolved(s: Services, c: PushChallenge, event: string, now: number, extra: Record<string, unknown> = {}) {
  await s.audit.record(c.callId, event, now, { challenge_id: c.id, device_id: c.deviceId, ...extra });
  s.waker.wake(challengeKey(c));
  s.waker.wake(deviceKey(c.deviceId));
}

/** The expiry timer: a push still pending at its expiry expires (conditional: a second run, or one after an answer, does nothing). */
export async function expireIfDue(s: Services, id: string, now: number): Promise<void> {
  const expired = await s.push.expire(id, now);
  if (expired) await resolved(s, expired, 'push_expired', now);
}

/** Expires every overdue push: the expiry timers' safety net (timers lost with a process, an alarm that gave up). */
export async function sweepExpired(s: Services): Promise<number> {
  const now = s.clock.now();
  const expired = await s.push.sweep(now);
  for (const c of expired) await resolved(s, c, 'push_expired', now);
  return expired.length;
}

/** What the app is shown of a pending challenge: the choices, never which one is right. */
export function appView(c: PushChallenge) {
  return {
    challenge_id: c.id,
    call_binding: c.callBinding,
    nonce: c.nonce,
    choices: c.choices,
    requested_at: new Date(c.createdAt).toISOString(),
    expires_at: new Date(c.expiresAt).toISOString(),
  };
}
