// Normalisation decides what counts as "the same" input; it runs before hashing and lookups.

/** KBA answers: case, accents, spaces and punctuation do not matter ("Main St." = "main st"). */
export function normalizeAnswer(answer: string): string {
  return answer
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Account refs / member IDs as a caller speaks them: "ab-1234 56" → "AB123456". */
export function normalizeAccountRef(ref: string): string {
  return ref.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** Phone numbers to E.164-ish digits with a leading +; caller ID is only a lookup key. */
export function normalizePhone(phone: string): string {
  const digits = phone.replace(/[^\d]/g, '');
  return digits ? `+${digits}` : '';
}

/** Spoken codes arrive as "123 456" or "123-456". */
export function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}
