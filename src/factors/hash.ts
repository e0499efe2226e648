import { hmacHex } from '../crypto/hmac.js';
import type { Keys } from '../crypto/keys.js';
import { normalizeAnswer } from './normalize.js';

// Keyed hashes bind each secret to what it was issued for: a code to its challenge,
// an answer to its customer and question. A leaked table is useless without the key.

export function hashCode(keys: Keys, challengeId: string, code: string): Promise<string> {
  return hmacHex(keys.pepper, `otp:v1:${challengeId}:${code}`);
}

export function hashAnswer(keys: Keys, customerId: string, questionId: string, answer: string): Promise<string> {
  return hmacHex(keys.pepper, `kba:v1:${customerId}:${questionId}:${normalizeAnswer(answer)}`);
}

/** Where a code goes, as a keyed hash: send limits count per destination without storing it twice. */
export function hashDestination(keys: Keys, channel: 'sms' | 'email', to: string): Promise<string> {
  return hmacHex(keys.pepper, `dest:v1:${channel}:${to.toLowerCase()}`);
}
