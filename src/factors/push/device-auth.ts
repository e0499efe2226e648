import { importDevicePublicKey, signatureFormat, verifyDeviceSignature } from '../../crypto/device-signature.js';
import type { Services } from '../../kernel/index.js';

export type AppAnswer = { status: 200 | 400 | 401 | 404 | 409 | 429; body: Record<string, unknown> };

export const refuse = (status: AppAnswer['status'], reason: string, extra: Record<string, unknown> = {}): AppAnswer => ({
  status,
  body: { success: false, reason, ...extra },
});

/** A signed request's timestamp may be this far from the server's clock, either way. */
export const SKEW_MS = 300_000;

const FORMAT_MESSAGE = {
  der: 'DER-encoded ECDSA signature: send base64url of the 64-byte IEEE P1363 form r‖s (r and s, 32 bytes each)',
  other: 'not an ECDSA P-256 signature in IEEE P1363 form: send base64url of the 64 bytes r‖s (r and s, 32 bytes each)',
} as const;

/** A wrongly encoded signature is the app's bug, said before anything is spent (the same for any device id). */
export function formatRefusal(signature: string): AppAnswer | undefined {
  const format = signatureFormat(signature);
  return format === 'p1363' ? undefined : refuse(400, 'signature_format', { errors: [{ field: 'signature', message: FORMAT_MESSAGE[format] }] });
}

/** True when `timestamp` (ms since the epoch) is within the skew of the server's clock. */
export const fresh = (timestamp: number, now: number) => Math.abs(now - timestamp) <= SKEW_MS;

/**
 * The enrolled device whose key signed `message`, or undefined. An unknown device and a bad
 * signature are one answer to the caller, so nothing tells which device ids exist.
 */
export async function signedBy(s: Services, deviceId: string, message: string, signature: string) {
  const device = await s.customers.device(deviceId);
  if (!device) return undefined;
  const key = await importDevicePublicKey(device.publicKeyJwk);
  return key && (await verifyDeviceSignature(key, message, signature)) ? device : undefined;
}
