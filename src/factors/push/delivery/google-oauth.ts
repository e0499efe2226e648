import { importSigningKey, signJwt } from './jwt.js';

// OAuth 2.0 for a Google service account (RFC 7523 JWT bearer grant): a JWT signed with the
// account's RSA key is traded at its token URI for a short-lived access token. The token is
// cached until shortly before it expires, and concurrent sends share one fetch.

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Google accepts assertions valid for at most an hour. */
const ASSERTION_SECONDS = 3600;
/** A token is given up this long before Google says it expires (clock skew, a slow send). */
const EARLY_SECONDS = 300;

export interface ServiceAccount {
  projectId: string;
  clientEmail: string;
  /** PKCS#8 PEM, as the JSON file's `private_key` holds it. */
  privateKey: string;
  privateKeyId?: string | undefined;
  tokenUri: string;
}

/** Why no token: the kind of failure only, never the grant or an answer body that might echo it. */
export class TokenError extends Error {
  constructor(readonly status: number) {
    super(`access token refused (HTTP ${status})`);
    this.name = 'TokenError';
  }
}

export interface AccessTokens {
  /** A valid access token (cached, or fetched once for every caller waiting on it). */
  get(): Promise<string>;
  /** The push service refused `token`: forget it, unless a newer one has replaced it already. */
  invalidate(token: string): void;
}

export function serviceAccountTokens(account: ServiceAccount, opts: { fetch?: typeof fetch; nowSeconds?: () => number; timeoutMs?: number } = {}): AccessTokens {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  let key: Promise<CryptoKey> | undefined;
  let cached: { token: string; until: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    key ??= importSigningKey(account.privateKey, 'RS256');
    const iat = now();
    const assertion = await signJwt(
      'RS256',
      await key,
      { typ: 'JWT', ...(account.privateKeyId ? { kid: account.privateKeyId } : {}) },
      { iss: account.clientEmail, scope: FCM_SCOPE, aud: account.tokenUri, iat, exp: iat + ASSERTION_SECONDS },
    );
    const res = await doFetch(account.tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: GRANT_TYPE, assertion }).toString(),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
      redirect: 'manual',
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown };
    if (res.status !== 200 || typeof body.access_token !== 'string' || body.access_token === '') throw new TokenError(res.status);
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    cached = { token: body.access_token, until: iat + Math.max(lifetime - EARLY_SECONDS, lifetime / 2) };
    return body.access_token;
  }

  return {
    get() {
      if (cached && cached.until > now()) return Promise.resolve(cached.token);
      inFlight ??= fetchToken().finally(() => (inFlight = undefined));
      return inFlight;
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
  };
}
