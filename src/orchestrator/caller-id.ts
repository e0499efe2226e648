// Caller ID (ANI) is a lookup hint, never proof. STIR/SHAKEN attestation, when the carrier passes
// it on, says how far the originating carrier vouches for the number; the policy may use it.

/**
 * Signals from a STIR/SHAKEN verification status as Twilio reports it (`StirVerstat`:
 * TN-Validation-Passed-A|B|C, TN-Validation-Failed-A|B|C, No-TN-Validation). Only a passed full
 * ("A") attestation counts as verified; an absent status is unverified, not unknown-but-fine.
 */
export function callerIdSignals(verstat: string | null | undefined): { caller_id_unverified: boolean; caller_id_attestation: string } {
  const v = (verstat ?? '').trim();
  const passed = /^TN-Validation-Passed-([ABC])$/i.exec(v);
  const attestation = passed ? passed[1]!.toUpperCase() : /^TN-Validation-Failed/i.test(v) ? 'failed' : 'none';
  return { caller_id_unverified: attestation !== 'A', caller_id_attestation: attestation };
}
