import { fromBase64Url, toBase64Url, utf8 } from '../crypto/bytes.js';
import { timingSafeEqual } from '../crypto/compare.js';
import type { Keys } from '../crypto/keys.js';
import type { RandomSource } from '../crypto/random.js';

// The console's sign-in session: a cookie holding `v1.<sid>.<issued>.<expires>.<mac>`, where the
// MAC is HMAC-SHA256 under a key derived from both CALLGATE_SECRET_KEY (through the pepper) and
// CALLGATE_ADMIN_TOKEN. Nothing of the token itself is in the cookie, and rotating either secret
// signs every operator out. Stateless, so it works the same on every process and Workers isolate.

/** Idle lifetime: each page an operator opens pushes the end this far out again… */
export const SESSION_IDLE_MS = 60 * 60 * 1000;
/** …up to this long after signing in, whatever they do. */
export const SESSION_MAX_MS = 8 * 60 * 60 * 1000;

export interface ConsoleSession {
  /** Random per sign-in: names the session in log lines and audit events (it cannot forge a cookie). */
  id: string;
  issuedAt: number;
  expiresAt: number;
}

export interface SessionKeys {
  /** Compares a submitted token with the admin token in constant time (MACs of equal length). */
  tokenMatches(submitted: string): Promise<boolean>;
  issue(now: number, random: RandomSource): Promise<{ session: ConsoleSession; cookie: string }>;
  /** The cookie again with a later expiry (never past SESSION_MAX_MS after sign-in). */
  renew(session: ConsoleSession, now: number): Promise<{ session: ConsoleSession; cookie: string }>;
  verify(cookie: string | undefined, now: number): Promise<ConsoleSession | undefined>;
  /** The anti-CSRF token of a session, put in every form it posts. */
  csrfToken(session: ConsoleSession): Promise<string>;
  csrfMatches(session: ConsoleSession, submitted: string | undefined): Promise<boolean>;
}

const SID = /^[A-Za-z0-9_-]{22}$/;
const INT = /^\d{1,15}$/;

export async function createSessionKeys(keys: Keys, adminToken: string): Promise<SessionKeys> {
  // A key of its own, so no MAC the console makes is a MAC any other part of the service makes.
  const material = await crypto.subtle.sign('HMAC', keys.pepper, utf8(`callgate:console-session:v1:${adminToken}`));
  const key = await crypto.subtle.importKey('raw', material, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = async (label: string, value: string) => new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(`${label}:${value}`)));
  const expectedToken = await mac('token', adminToken);

  const seal = async (s: ConsoleSession) => {
    const body = `v1.${s.id}.${s.issuedAt}.${s.expiresAt}`;
    return `${body}.${toBase64Url(await mac('session', body))}`;
  };

  return {
    async tokenMatches(submitted) {
      return timingSafeEqual(await mac('token', submitted), expectedToken);
    },
    async issue(now, random) {
      const session = { id: toBase64Url(random.bytes(16)), issuedAt: now, expiresAt: now + SESSION_IDLE_MS };
      return { session, cookie: await seal(session) };
    },
    async renew(session, now) {
      const next = { ...session, expiresAt: Math.min(now + SESSION_IDLE_MS, session.issuedAt + SESSION_MAX_MS) };
      return { session: next, cookie: await seal(next) };
    },
    async verify(cookie, now) {
      if (!cookie || cookie.length > 200) return undefined;
      const parts = cookie.split('.');
      if (parts.length !== 5 || parts[0] !== 'v1') return undefined;
      const [, id, issued, expires, tag] = parts as [string, string, string, string, string];
      if (!SID.test(id) || !INT.test(issued) || !INT.test(expires)) return undefined;
      const presented = fromBase64Url(tag);
      const expected = await mac('session', `v1.${id}.${issued}.${expires}`);
      if (!presented || !timingSafeEqual(presented, expected)) return undefined;
      const session = { id, issuedAt: Number(issued), expiresAt: Number(expires) };
      if (session.expiresAt <= now || session.issuedAt + SESSION_MAX_MS <= now || session.issuedAt > now) return undefined;
      return session;
    },
    async csrfToken(session) {
      return toBase64Url(await mac('csrf', session.id));
    },
    async csrfMatches(session, submitted) {
      const presented = submitted ? fromBase64Url(submitted) : null;
      return presented !== null && timingSafeEqual(presented, await mac('csrf', session.id));
    },
  };
}
