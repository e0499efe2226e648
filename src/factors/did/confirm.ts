import { toBase64Url } from '../../crypto/bytes.js';
import { confirmMessage, importDevicePublicKey, signatureFormat, verifyDeviceSignature } from '../../crypto/device-signature.js';
import { policyFor, type Services } from '../../kernel/index.js';
import { LIVE } from '../../store/calls.js';
import type { DidSession } from './store.js';
import type { CallRow } from '../../store/schema/calls.js';
import type { Policy } from '../../policy/index.js';
import { intercept } from './intercept.js';
import { onResolved, readSession } from './sessions.js';
import { confirmOperatorSession } from './operator.js';

export type AppAnswer = { status: 200 | 400 | 401 | 404 | 409 | 429; body: Record<string, unknown> };

const refuse = (status: AppAnswer['status'], reason: string, extra: Record<string, unknown> = {}): AppAnswer => ({
  status,
  body: { success: false, reason, ...extra },
});

const SIGNATURE_FORMAT_MESSAGE = {
  der: 'DER-encoded ECDSA signature: send base64url of the 64-byte IEEE P1363 form r‖s (r and s, 32 bytes each)',
  other: 'not an ECDSA P-256 signature in IEEE P1363 form: send base64url of the 64 bytes r‖s (r and s, 32 bytes each)',
} as const;

const NONCE_TTL_MS = 120_000;
const NONCE_GRACE_MS = 30_000;
const WRONG_DID_LIMIT = { count: 5, windowMs: 60_000 };

/**
 * A wrong DID typed in a device is a failed check against its customer's calls that are waiting
 * for a DID: bursts raise the risk tier and count toward lockout there, like wrong codes.
 */
async function countWrongDid(s: Services, device: { id: string; customerId: string }, now: number) {
  await s.audit.record(null, 'wrong_did', now, { device_id: device.id, customer_id: device.customerId });
  for (const { session, call } of await s.did.pendingForCustomer(device.customerId)) {
    if (!LIVE.includes(call.status)) continue;
    await s.audit.record(call.id, 'wrong_did', now, { device_id: device.id, session_id: session.id });
    await s.outcome.failedCheck(call, policyFor(s, call), 'did', 'wrong_did', now);
  }
}

/** The policy a device's own guesses are budgeted by: a wrong DID belongs to no call, so the default. */
const devicePolicy = (s: Services): Policy => s.policies().get('default')!;

/**
 * POST /app/challenge: the device names the DID it was told; it gets a nonce to sign. An unknown
 * device and a wrong DID get one answer (nothing tells which device ids exist). Each DID named
 * is a guess from the device's customer's `did` budget: a right one gives it back.
 */
export async function challenge(s: Services, deviceId: string, did: string): Promise<AppAnswer> {
  const now = s.clock.now();
  if (!(await s.rateLimit.take(`app:challenge:${deviceId}`, 20, 60_000, now))) return refuse(429, 'rate_limited');
  // Checked before the lookup (so a device cannot probe DIDs faster than this) but spent only
  // by wrong DIDs, so a caller retrying the right one is never throttled by it. Unknown device ids
  // are limited alike, so the limit does not tell which ids exist.
  const wrongKey = `app:wrong_did:${deviceId}`;
  if (await s.rateLimit.exhausted(wrongKey, WRONG_DID_LIMIT.count, WRONG_DID_LIMIT.windowMs, now)) return refuse(429, 'rate_limited');
  const [device, found] = await Promise.all([s.customers.device(deviceId), s.did.pendingByDid(did)]);
  if (!device) {
    const pending = found ? await readSession(s, found) : undefined;
    // A right DID named by an unknown device gets what a known one gets, with a nonce that was
    // never stored (its confirmation fails like any bad nonce): the answer tells no device ids.
    if (pending?.status === 'pending') return nonceAnswer(pending, toBase64Url(s.random.bytes(18)), await nonceExpiry(s, pending, now));
    await s.rateLimit.take(wrongKey, WRONG_DID_LIMIT.count, WRONG_DID_LIMIT.windowMs, now);
    return refuse(404, 'wrong_did');
  }
  const taken = await s.outcome.takeGuess(null, device.customerId, 'did', devicePolicy(s), now);
  if (!taken) return refuse(429, 'locked');
  const session = found ? await readSession(s, found) : undefined;
  if (!session || session.status !== 'pending') {
    await s.rateLimit.take(wrongKey, WRONG_DID_LIMIT.count, WRONG_DID_LIMIT.windowMs, now);
    await s.outcome.settleGuess(null, device.customerId, 'did', taken, { success: false, reason: 'wrong_did', failed: 'did' }, now);
    await countWrongDid(s, device, now);
    return refuse(404, 'wrong_did');
  }
  // A DID issued for another customer's claim is no right guess for this device's customer (its
  // confirmation will be refused on that call, and counted there): the guess stays spent.
  const foreign = session.customerId !== null && session.customerId !== device.customerId;
  const outcome = foreign ? { success: false, reason: 'device_not_allowed', failed: 'did' } : { success: true, reason: 'ok', passed: 'did' };
  await s.outcome.settleGuess(null, device.customerId, 'did', taken, outcome, now);
  const nonce = toBase64Url(s.random.bytes(18));
  // The nonce outlives the session by the policy's late window plus a grace period, so a late
  // confirmation reaches the late-confirmation rule instead of failing as an unknown nonce.
  const expiresAt = await nonceExpiry(s, session, now);
  await s.did.issueNonce({ nonce, sessionId: session.id, deviceId, now, expiresAt });
  return nonceAnswer(session, nonce, expiresAt);
}

/** A nonce outlives its session by the call's late window plus a grace period, 2 minutes at most. */
async function nonceExpiry(s: Services, session: DidSession, now: number): Promise<number> {
  const call = await s.calls.get(session.callId);
  const lateMs = call ? policyFor(s, call).factors.did.late_window_seconds * 1000 : 0;
  return Math.min(now + NONCE_TTL_MS, session.expiresAt + lateMs + NONCE_GRACE_MS);
}

const nonceAnswer = (session: DidSession, nonce: string, expiresAt: number): AppAnswer => ({
  status: 200,
  body: { session_id: session.id, call_binding: session.callBinding, nonce, expires_at: new Date(expiresAt).toISOString() },
});

/**
 * POST /app/confirm: the device proves possession of its key over the session's canonical string.
 * Every refusal changes nothing on the session. The session's transition to 'confirmed' is one
 * conditional UPDATE: of any number of concurrent confirmations exactly one wins.
 */
export async function confirm(
  s: Services,
  input: { sessionId: string; deviceId: string; nonce: string; signature: string },
): Promise<AppAnswer> {
  const now = s.clock.now();
  if (!(await s.rateLimit.take(`app:confirm:${input.deviceId}`, 20, 60_000, now))) return refuse(429, 'rate_limited');
  const [device, stored] = await Promise.all([s.customers.device(input.deviceId), s.did.get(input.sessionId)]);
  if (!stored) return refuse(404, 'unknown_session');
  // A signature in the wrong encoding is the app's bug, not a failed proof: say so before the
  // nonce is spent, so the same signature re-encoded can be sent again. Checked before the device
  // is, so the answer is the same for an enrolled and an unknown id.
  const format = signatureFormat(input.signature);
  if (format !== 'p1363') {
    if (device) await s.audit.record(stored.callId, 'confirm_refused', now, { session_id: stored.id, device_id: device.id, reason: 'signature_format' });
    return refuse(400, 'signature_format', { errors: [{ field: 'signature', message: SIGNATURE_FORMAT_MESSAGE[format] }] });
  }
  // No nonce was ever issued to an unknown device: it gets the answer a known one gets for a bad
  // nonce, so neither route tells which device ids exist.
  if (!device) return refuse(409, 'nonce_invalid');
  const refused = async (status: AppAnswer['status'], reason: string) => {
    await s.audit.record(stored.callId, 'confirm_refused', now, { session_id: stored.id, device_id: device.id, reason });
    return refuse(status, reason);
  };

  // Single use: the nonce must have been issued for this session and this device, unused, unexpired.
  const nonce = await s.did.useNonce(input.nonce, stored.id, device.id, now);
  if (!nonce) return refused(409, 'nonce_invalid');
  const key = await importDevicePublicKey(device.publicKeyJwk);
  const message = confirmMessage({ sessionId: stored.id, callBinding: stored.callBinding, did: stored.did, nonce: nonce.nonce });
  if (!key || !(await verifyDeviceSignature(key, message, input.signature))) return refused(401, 'bad_signature');

  const call = await s.calls.get(stored.callId);
  if (!call) return refused(404, 'unknown_session');
  const policy = policyFor(s, call);
  // The DID proves only the customer it was issued for (or, issued before any claim, the device's).
  const owner = stored.customerId ?? call.customerId;
  if (owner !== null && (owner !== device.customerId || (call.customerId !== null && call.customerId !== owner))) {
    await s.outcome.failedCheck(call, policy, 'did', 'device_not_allowed', now);
    return refused(401, 'device_not_allowed');
  }
  // A DID a human agent read out on a handed-off call proves the device to them, nothing to the call.
  if (stored.provider === 'operator') return confirmOperatorSession(s, stored, device, now);

  const session = await readSession(s, stored);
  if (session.status !== 'pending' || !LIVE.includes(call.status)) return lateConfirmation(s, session, call, device, policy, now);

  const confirmed = await s.did.confirm(session.id, device.id, device.customerId, now);
  if (!confirmed) return lateConfirmation(s, (await s.did.get(session.id)) ?? session, call, device, policy, now);
  const committedAt = performance.now();
  const passed = await recordDevicePass(s, call, device.customerId, now, {});
  await onResolved(s, confirmed, 'confirmed', now, { device_id: device.id });
  if (!passed) {
    // The claim moved to another customer between the check and the commit: the confirmation
    // proves nothing for this call, so nothing is redirected and the app is told so.
    await s.audit.record(call.id, 'confirm_refused', now, { session_id: session.id, device_id: device.id, reason: 'identity_changed' });
    await s.outcome.decide((await s.calls.get(call.id)) ?? call, policy, now, 'did_confirm');
    return refuse(409, 'identity_changed');
  }
  await s.outcome.decide(passed, policy, now, 'did_confirm');
  if (confirmed.redirectUrl) s.background(intercept(s, confirmed, committedAt));
  return { status: 200, body: { success: true, status: 'confirmed' } };
}

/**
 * The device proved the call's factor: it identifies an unclaimed caller as its customer (never
 * taking over a call another customer claimed meanwhile), then the `did` success is recorded.
 * Returns the call as updated, or undefined when the claim was lost and nothing was recorded.
 */
async function recordDevicePass(s: Services, call: CallRow, customerId: string, now: number, data: Record<string, unknown>) {
  if (call.customerId === null) {
    if (!(await s.calls.claimByDevice(call.id, customerId, now))) return undefined;
    await s.audit.record(call.id, 'identified', now, { by: 'device', customer_id: customerId });
  }
  const updated = await s.calls.recordSuccess(call.id, 'did', customerId, now);
  if (!updated) return undefined;
  await s.audit.record(call.id, 'factor_passed', now, { factor: 'did', ...data });
  return updated;
}

/**
 * A confirmation for a session that is no longer pending. Ignored by default; when the policy
 * accepts late confirmations, a timed-out session confirmed within the window counts as
 * "recently verified" for the call (the session itself stays timed out).
 */
async function lateConfirmation(
  s: Services,
  session: DidSession,
  call: CallRow,
  device: { id: string; customerId: string },
  policy: Policy,
  now: number,
): Promise<AppAnswer> {
  const cfg = policy.factors.did;
  const live = LIVE.includes(call.status);
  const inWindow =
    session.status === 'timeout' && cfg.late_confirmation === 'accept' && now <= session.expiresAt + cfg.late_window_seconds * 1000 && live;
  await s.audit.record(session.callId, 'late_confirmation', now, {
    session_id: session.id,
    device_id: device.id,
    session_status: session.status,
    call_status: call.status,
    accepted: inWindow,
  });
  if (inWindow) {
    // The customer may have been claimed since the call was read: re-read before deciding.
    const current = (await s.calls.get(call.id)) ?? call;
    if (current.customerId === null || current.customerId === device.customerId) {
      const passed = await recordDevicePass(s, current, device.customerId, now, { late: true });
      if (passed) {
        await s.outcome.decide(passed, policy, now, 'did_late_confirm');
        return { status: 200, body: { success: true, status: session.status, late_accepted: true } };
      }
    }
  }
  const reason = live ? 'session_terminal' : 'call_ended';
  return refuse(409, reason, { status: session.status });
}
