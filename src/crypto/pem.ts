// PKCS#8 private keys as PEM text (a Google service account's `private_key`, an Apple .p8 file),
// read without Node's Buffer so it runs on Workers too.

const OID = {
  rsaEncryption: [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
  ecPublicKey: [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01],
  prime256v1: [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
} as const;

/**
 * The DER bytes of a `-----BEGIN PRIVATE KEY-----` block; null for anything else (a legacy
 * `BEGIN RSA/EC PRIVATE KEY` block, a certificate, junk). A value pasted on one line with `\n`
 * escapes (as environment variables often hold it) is read the same way.
 */
export function pkcs8Der(pem: string): Uint8Array<ArrayBuffer> | null {
  const text = pem.replace(/\\n/g, '\n');
  const m = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/.exec(text);
  if (!m) return null;
  let bin: string;
  try {
    bin = atob(m[1]!.replace(/\s+/g, ''));
  } catch {
    return null;
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out[0] === 0x30 && out.length > 32 ? out : null;
}

const contains = (hay: Uint8Array, needle: readonly number[]) => {
  outer: for (let i = 0; i + needle.length <= Math.min(hay.length, 64); i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
};

/** What the key's algorithm identifier (near the start of the DER) says it is; a quick check before WebCrypto imports it. */
export function pkcs8Kind(der: Uint8Array): 'rsa' | 'p256' | 'other' {
  if (contains(der, OID.rsaEncryption)) return 'rsa';
  if (contains(der, OID.ecPublicKey) && contains(der, OID.prime256v1)) return 'p256';
  return 'other';
}
