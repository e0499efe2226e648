// CSPRNG helpers. `RandomSource` is injected so tests can make codes predictable.
export interface RandomSource {
  bytes(n: number): Uint8Array;
}

export const cryptoRandom: RandomSource = {
  bytes(n) {
    return crypto.getRandomValues(new Uint8Array(n));
  },
};

/** A uniformly random decimal string of `length` digits (rejection sampling, no modulo bias). */
export function randomDigits(random: RandomSource, length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of random.bytes(length * 2)) {
      if (b < 250) out += String(b % 10);
      if (out.length === length) break;
    }
  }
  return out;
}

/** An opaque identifier: prefix + 22 base32-ish chars (~110 bits). */
export function randomId(random: RandomSource, prefix: string): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyz23456789';
  let out = '';
  for (const b of random.bytes(22)) out += alphabet[b % 32];
  return `${prefix}_${out}`;
}
