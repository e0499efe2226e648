import { importHmacKey } from './hmac.js';
import { deriveAesKey } from './secretbox.js';

/** Keys derived once at start from CALLGATE_SECRET_KEY; never per request. */
export interface Keys {
  /** Peppers keyed hashes of codes and answers. */
  pepper: CryptoKey;
  /** Seals TOTP seeds at rest. */
  totp: CryptoKey;
}

export async function createKeys(secretKey: string): Promise<Keys> {
  const [pepper, totp] = await Promise.all([
    importHmacKey(`callgate:pepper:v1:${secretKey}`),
    deriveAesKey(secretKey, 'callgate:totp:v1'),
  ]);
  return { pepper, totp };
}
