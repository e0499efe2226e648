import { toBase64Url } from '../../crypto/bytes.js';
import { randomDigits, randomId } from '../../crypto/random.js';
import type { Policy } from '../../policy/index.js';
import { prompts, resolveLocale } from './prompts.js';
import type { DidSession } from './store.js';
import type { DidProvider } from './schema.js';
import type { Services } from '../../kernel/index.js';

export interface CreateSessionInput {
  provider: DidProvider;
  /** The provider's stable call id (CallSid, Genesys interaction id, NICE contact id…). */
  callRef: string;
  /** The auth_state the session proves a factor for. */
  callId: string;
  /** The customer the call claims now: only their device may confirm (none yet: the device identifies). */
  customerId?: string | null | undefined;
  policy: Policy;
  locale?: string | undefined;
  dnis?: string | null | undefined;
  ani?: string | null | undefined;
  metadata?: Record<string, unknown> | undefined;
  redirectUrl?: string | null | undefined;
}

export type CreateSessionResult =
  | { ok: true; session: DidSession; created: boolean }
  | { ok: false; reason: 'max_retries' | 'already_confirmed' | 'did_unavailable'; session?: DidSession };

/** The waker key of a session, a topic of its call: every long-poll (did_wait, ?wait=, the TwiML hold) waits on it. */
export const sessionKey = (d: Pick<DidSession, 'id' | 'callId'>) => ({ callId: d.callId, topic: `did:${d.id}` });

/** The timer kind of a session's TTL (its ref: the session id). */
export const DID_TTL = 'did_ttl';

const eventData = (d: DidSession) => ({ session_id: d.id, provider: d.provider, call_ref: d.callRef, attempt: d.attempt });

/**
 * Creates the pending session for a call, or returns the one already pending (idempotent per
 * provider + call id). A reissue after a timeout or cancel is a new session linked to the old one,
 * bounded by the policy's max_retries. The DID is unique among pending sessions (a UNIQUE index).
 */
export async function createSession(s: Services, input: CreateSessionInput): Promise<CreateSessionResult> {
  const now = s.clock.now();
  const cfg = input.policy.factors.did;
  const pending = await s.did.pendingByCall(input.provider, input.callRef);
  if (pending) {
    const current = await readSession(s, pending); // times it out if overdue
    if (current.status === 'pending') return { ok: true, session: current, created: false };
  }
  const previous = await s.did.latestForRef(input.provider, input.callRef);
  if (previous?.status === 'confirmed') return { ok: false, reason: 'already_confirmed', session: previous };
  const attempt = (previous?.attempt ?? 0) + 1;
  if (attempt > cfg.max_retries + 1) return { ok: false, reason: 'max_retries', ...(previous ? { session: previous } : {}) };

  // A collision with another pending DID is rare (1 in 10^6 per pending session): draw again.
  for (let draw = 0; draw < 8; draw++) {
    const inserted = await s.did.insertPending({
      id: randomId(s.random, 'did'),
      provider: input.provider,
      callRef: input.callRef,
      callId: input.callId,
      customerId: input.customerId ?? null,
      did: randomDigits(s.random, 6),
      callBinding: toBase64Url(s.random.bytes(16)),
      attempt,
      previousSessionId: previous?.id ?? null,
      maxRetries: cfg.max_retries,
      locale: resolveLocale(input.locale),
      dnis: input.dnis ?? null,
      ani: input.ani ?? null,
      metadata: input.metadata ?? {},
      redirectUrl: input.redirectUrl ?? null,
      createdAt: now,
      expiresAt: now + cfg.ttl_seconds * 1000,
    });
    if (inserted) {
      s.timers.at(inserted.callId, DID_TTL, inserted.expiresAt, inserted.id);
      await s.audit.record(input.callId, 'session_created', now, { ...eventData(inserted), previous_session_id: inserted.previousSessionId });
      await s.audit.record(input.callId, 'did_issued', now, { ...eventData(inserted), ttl_seconds: cfg.ttl_seconds });
      return { ok: true, session: inserted, created: true };
    }
    // Either a concurrent identical request created it (answer that one) or the DID was taken.
    const raced = await s.did.pendingByCall(input.provider, input.callRef);
    if (raced) return { ok: true, session: raced, created: false };
  }
  return { ok: false, reason: 'did_unavailable' };
}

/** The session as it stands now: a pending session past its TTL is timed out on read. */
export async function readSession(s: Services, session: DidSession): Promise<DidSession> {
  if (session.status !== 'pending' || session.expiresAt > s.clock.now()) return session;
  return expireSession(s, session);
}

async function expireSession(s: Services, session: DidSession): Promise<DidSession> {
  const now = s.clock.now();
  const expired = await s.did.expire(session.id, now);
  if (!expired) return (await s.did.get(session.id)) ?? session;
  await onResolved(s, expired, 'timeout', now);
  return expired;
}

export async function cancelSession(s: Services, session: DidSession): Promise<DidSession> {
  const now = s.clock.now();
  const canceled = await s.did.cancel(session.id, now);
  if (!canceled) return readSession(s, (await s.did.get(session.id)) ?? session);
  await onResolved(s, canceled, 'canceled', now);
  return canceled;
}

/** Audit the terminal transition once (only its winner gets here) and wake whoever waits. */
export async function onResolved(s: Services, d: DidSession, event: 'timeout' | 'canceled' | 'confirmed', now: number, extra = {}) {
  await s.audit.record(d.callId, event, now, { ...eventData(d), ...extra });
  s.waker.wake(sessionKey(d));
}

/** The TTL timer: a session still pending at its expiry times out (conditional: a second run, or one after a confirmation, does nothing). */
export async function expireIfDue(s: Services, id: string, now: number): Promise<void> {
  const expired = await s.did.expire(id, now);
  if (expired) await onResolved(s, expired, 'timeout', now);
}

/**
 * Times out every overdue session: the TTL timers' safety net (a restarted Node process has lost
 * its timers; an alarm may fail past its retries).
 */
export async function sweepExpired(s: Services): Promise<number> {
  const now = s.clock.now();
  const expired = await s.did.sweep(now);
  for (const d of expired) await onResolved(s, d, 'timeout', now);
  return expired.length;
}

/**
 * Holds until the session leaves 'pending', it expires, `waitSeconds` pass or the client goes away,
 * then answers the session as it stands. State is re-read from SQL after every wake, so a lost
 * wake-up costs latency, never correctness; and while parked, only ids are held (10k long-polls
 * can be parked at once).
 */
export async function waitForSession(
  s: Services,
  id: string,
  waitSeconds: number,
  signal?: AbortSignal,
): Promise<DidSession | undefined> {
  const until = Date.now() + Math.max(0, waitSeconds) * 1000;
  for (;;) {
    const session = await currentSession(s, id);
    const left = until - Date.now();
    if (!session || session.status !== 'pending' || left <= 0 || signal?.aborted) return session;
    const parkMs = Math.min(left, session.expiresAt - s.clock.now() + 1);
    if ((await s.waker.wait(sessionKey(session), parkMs, signal)) === 'aborted') return currentSession(s, id);
  }
}

async function currentSession(s: Services, id: string): Promise<DidSession | undefined> {
  const stored = await s.did.get(id);
  return stored && readSession(s, stored);
}

/** What an IVR (or the agent) is told about a session. The DID and prompts only while pending. */
/** What a caller is told to do with a pending DID: seconds left and what to say (first, then on a loop). */
export function spokenDid(d: DidSession, now: number) {
  const p = prompts(d.locale, d.did);
  return { ttlSeconds: Math.max(0, Math.ceil((d.expiresAt - now) / 1000)), prompts: { speak: p.speak, loop: p.loop } };
}

export function sessionView(d: DidSession, now: number) {
  const pending = d.status === 'pending';
  return {
    sessionId: d.id,
    status: d.status,
    provider: d.provider,
    callId: d.callRef,
    attempt: d.attempt,
    maxRetries: d.maxRetries,
    expiresAt: new Date(d.expiresAt).toISOString(),
    ...(pending
      ? { did: d.did, ...spokenDid(d, now) }
      : { resolvedAt: d.resolvedAt ? new Date(d.resolvedAt).toISOString() : null }),
    ...(d.previousSessionId ? { previousSessionId: d.previousSessionId } : {}),
  };
}
