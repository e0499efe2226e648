import { hmacHex } from '../../crypto/hmac.js';
import type { Keys } from '../../crypto/keys.js';
import { normalizeAnswer } from './normalize.js';

// Keyed hashes bind each secret to what it was issued for: a code to its challenge,
// an answer to its customer and question. A leaked table is useless without the key.

export function hashCode(keys: Keys, challengeId: string, code: string): Promise<string> {
  return hmacHex(keys.pepper, `otp:v1:${challengeId}:${code}`);
}

export function hashAnswer(keys: Keys, customerId: string, questionId: string, answer: string): Promise<string> {
  return hmacHex(keys.pepper, `kba:v1:${customerId}:${questionId}:${normalizeAnswer(answer)}`);
}

// Destinations are hashed on hot paths (every next step that may offer a send) and a customer's
// few addresses repeat: remembered per key set, in a bounded map (oldest dropped first).
const DESTINATION_MEMO_MAX = 10_000;
const destinationMemo = new WeakMap<Keys, Map<string, Promise<string>>>();

/** Where a code goes, as a keyed hash: send limits count per destination without storing it twice. */
export function hashDestination(keys: Keys, channel: 'sms' | 'email', to: string): Promise<string> {
  const input = `dest:v1:${channel}:${to.toLowerCase()}`;
  let memo = destinationMemo.get(keys);
  if (!memo) destinationMemo.set(keys, (memo = new Map()));
  const known = memo.get(input);
  if (known) return known;
  if (memo.size >= DESTINATION_MEMO_MAX) memo.delete(memo.keys().next().value!);
  const hashed = hmacHex(keys.pepper, input);
  memo.set(input, hashed);
  hashed.catch(() => memo.delete(input));
  return hashed;
}
