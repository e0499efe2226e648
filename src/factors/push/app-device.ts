import { signAsDevice } from '../../crypto/device-signature.js';
import { approveMessage, denyMessage, pollMessage, registerMessage, type RegisterFields } from './messages.js';

// What the phone app sends, built with its device key: the simulator (npm run device) and the
// tests use these, and docs/push.md describes the same bodies for a mobile team.

/** A pending challenge as the pull channel shows it. */
export interface AppChallenge {
  challenge_id: string;
  call_binding: string;
  nonce: string;
  choices: string[];
  expires_at: string;
}

export async function registerBody(key: CryptoKey, r: Omit<RegisterFields, 'timestamp'>, timestamp: number) {
  const signature = await signAsDevice(key, registerMessage({ ...r, timestamp }));
  return {
    device_id: r.deviceId,
    transport: r.transport,
    ...(r.address ? { address: r.address } : {}),
    ...(r.p256dh ? { p256dh: r.p256dh } : {}),
    ...(r.auth ? { auth: r.auth } : {}),
    timestamp,
    signature,
  };
}

/** The query string of GET /app/push/pending. */
export async function pollQuery(key: CryptoKey, deviceId: string, timestamp: number, waitSeconds = 0): Promise<string> {
  const signature = await signAsDevice(key, pollMessage(deviceId, timestamp));
  return new URLSearchParams({ device_id: deviceId, timestamp: String(timestamp), signature, wait: String(waitSeconds) }).toString();
}

export async function approveBody(key: CryptoKey, deviceId: string, c: AppChallenge, number: string) {
  const signature = await signAsDevice(key, approveMessage({ challengeId: c.challenge_id, callBinding: c.call_binding, number, nonce: c.nonce }));
  return { challenge_id: c.challenge_id, device_id: deviceId, number, nonce: c.nonce, signature };
}

export async function denyBody(key: CryptoKey, deviceId: string, c: AppChallenge) {
  const signature = await signAsDevice(key, denyMessage({ challengeId: c.challenge_id, callBinding: c.call_binding, nonce: c.nonce }));
  return { challenge_id: c.challenge_id, device_id: deviceId, nonce: c.nonce, signature };
}
