import type { AccountKind } from './ledger-types.js';

// How a caller names an account: a reference in any spelling, or a kind ("savings").

/** Upper-case alphanumerics only: "…1234", "chk-00 1234" and "CHK001234" compare alike. */
export function normalizeRef(s: string): string {
  return s.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

const KIND_WORDS: Record<string, AccountKind> = {
  checking: 'checking',
  chequing: 'checking',
  current: 'checking',
  savings: 'savings',
  saving: 'savings',
  card: 'card',
  'credit card': 'card',
  credit: 'card',
};

export function kindWord(input: string): AccountKind | undefined {
  const w = input
    .toLowerCase()
    .replace(/\baccount\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return KIND_WORDS[w];
}
