// `confirm`: what the app does when the caller types the DID the call spoke.
import { confirmMessage, signAsDevice } from '../../crypto/device-signature.js';
import type { Command } from './command.js';
import { missingRoute, post, refusal } from './http.js';
import { loadDevice } from './key-file.js';
import { ID_RE, resolveDeviceDir, resolveUrl, usage, type ClientOptions, type Failure } from './settings.js';

export interface ConfirmOptions extends ClientOptions {
  deviceId: string;
  /** The 6 digits the IVR spoke; spaces and dashes are ignored ("482 916"). */
  did: string;
}

export type ConfirmResult =
  | {
      ok: true;
      exitCode: 0;
      status: 'confirmed';
      sessionId: string;
      deviceId: string;
      customerId: string;
      /** From sending the challenge request to receiving the confirm answer (signing included). */
      roundTripMs: number;
      challengeMs: number;
      confirmMs: number;
      body: unknown;
    }
  | Failure;

/** Normalises what a person types for a DID ("482 916", "482-916"); null unless 6 digits. */
export function normalizeDid(did: string): string | null {
  if (typeof did !== 'string') return null;
  const digits = did.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}

/**
 * What the app does when the caller types the DID: `POST /app/challenge {device_id, did}`, sign
 * the canonical message with the device key, `POST /app/confirm {session_id, device_id, nonce, signature}`.
 */
export async function confirmDid(o: ConfirmOptions): Promise<ConfirmResult> {
  if (typeof o.deviceId !== 'string' || !ID_RE.test(o.deviceId))
    return usage(`--device: must be 1–64 letters, digits, . _ - (got ${JSON.stringify(o.deviceId ?? '')})`);
  const did = normalizeDid(o.did);
  if (!did) return usage(`--did: must be the 6 digits the call spoke (got ${JSON.stringify(o.did ?? '')})`);
  const base = resolveUrl(o);
  if (typeof base !== 'string') return base;
  const device = await loadDevice(resolveDeviceDir(o), o.deviceId);
  if (!device.ok) return device;
  const deviceId = o.deviceId;

  const started = performance.now();
  const challenge = await post(o, base, '/app/challenge', { device_id: deviceId, did });
  const challengeMs = performance.now() - started;
  if (!challenge.ok) return challenge;
  if (challenge.status !== 200)
    return refusal(`challenge for DID ${did}`, challenge.status, challenge.body, (reason) => {
      if (reason === 'wrong_did') return `no call is waiting on DID ${did} (mistyped, expired or already used)`;
      if (challenge.status === 404 && reason === 'not_found') return missingRoute(base, '/app/challenge');
      return undefined;
    });
  const { session_id, call_binding, nonce } = challenge.body;
  if (typeof session_id !== 'string' || typeof call_binding !== 'string' || typeof nonce !== 'string')
    return {
      ok: false,
      exitCode: 1,
      reason: 'bad_response',
      status: challenge.status,
      body: challenge.body,
      message: 'POST /app/challenge answered 200 without string session_id, call_binding and nonce',
    };
  let message: string;
  try {
    message = confirmMessage({ sessionId: session_id, callBinding: call_binding, did, nonce });
  } catch (err) {
    return { ok: false, exitCode: 1, reason: 'bad_response', status: challenge.status, body: challenge.body, message: `challenge: ${(err as Error).message}` };
  }
  const signature = await signAsDevice(device.key, message);

  const confirmStarted = performance.now();
  const confirm = await post(o, base, '/app/confirm', { session_id, device_id: deviceId, nonce, signature });
  const ended = performance.now();
  if (!confirm.ok) return confirm;
  if (confirm.status !== 200)
    return refusal(`confirming session ${session_id}`, confirm.status, confirm.body, (reason) => {
      if (confirm.status === 404 && reason === 'not_found') return missingRoute(base, '/app/confirm');
      if (confirm.status === 401)
        return `the server did not accept this device's signature for this call (is "${deviceId}" enrolled for the call's customer on ${base}?)`;
      if (confirm.status === 409) return 'the session is no longer pending, or this nonce was already used';
      return undefined;
    });
  if (confirm.body.status !== 'confirmed')
    return {
      ok: false,
      exitCode: 1,
      reason: 'bad_response',
      status: confirm.status,
      body: confirm.body,
      message: `POST /app/confirm answered 200 with status ${JSON.stringify(confirm.body.status)}, not "confirmed"`,
    };
  return {
    ok: true,
    exitCode: 0,
    status: 'confirmed',
    sessionId: session_id,
    deviceId,
    customerId: device.data.customer_id,
    roundTripMs: Math.round(ended - started),
    challengeMs: Math.round(challengeMs),
    confirmMs: Math.round(ended - confirmStarted),
    body: confirm.body,
  };
}

export async function confirmCommand({ values, common, fail, report, io }: Command): Promise<number> {
  if (values.device === undefined || values.did === undefined) return fail('confirm needs --device <id> and --did <6 digits>');
  const r = await confirmDid({ ...common, deviceId: values.device, did: values.did });
  if (!r.ok && r.reason === 'usage') return fail(r.message);
  return report(r, () => {
    if (!r.ok) return;
    io.out(`confirmed: session ${r.sessionId} by device ${r.deviceId} (customer ${r.customerId})`);
    io.out(`  round trip ${r.roundTripMs} ms (challenge ${r.challengeMs} ms, confirm ${r.confirmMs} ms)`);
  });
}
