import type { PushSendResult } from '../../../kernel/index.js';
import { alertAps, COLLAPSE_ID } from './apns-payload.js';
import { importSigningKey, signJwt } from './jwt.js';
import type { PushAdapter } from './sender.js';

// Apple Push Notification service, token-based provider authentication: POST /3/device/<token>
// with an ES256 provider JWT. APNs speaks HTTP/2 only, which fetch cannot promise everywhere, so
// the request itself is a transport the runtime supplies (node:http2 on Node); this file builds
// the headers, the body and the token, and reads the answer.

export const APNS_ORIGINS = { production: 'https://api.push.apple.com', sandbox: 'https://api.sandbox.push.apple.com' } as const;
export type ApnsEnvironment = keyof typeof APNS_ORIGINS;

export interface ApnsRequest {
  /** `https://api.push.apple.com` (or a loopback fake in tests). */
  origin: string;
  path: string;
  /** Lower-case names, as HTTP/2 requires. */
  headers: Record<string, string>;
  body: string;
}

export interface ApnsAnswer {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/** One HTTP/2 request to APNs; rejects only when no answer came (connection, timeout). */
export type ApnsTransport = (req: ApnsRequest) => Promise<ApnsAnswer>;

export interface ApnsOptions {
  /** The .p8 key's text (PKCS#8 PEM, P-256). */
  key: string;
  keyId: string;
  teamId: string;
  /** The app's bundle id. */
  topic: string;
  origin: string;
  transport: ApnsTransport;
  nowSeconds?: () => number;
}

/**
 * Apple refuses a provider token older than an hour (ExpiredProviderToken) and one refreshed more
 * often than every 20 minutes (TooManyProviderTokenUpdates): each token is used for 50 minutes.
 */
export const PROVIDER_TOKEN_SECONDS = 50 * 60;
/** Device tokens are hex (32 bytes today; Apple says the length may grow). */
export const DEVICE_TOKEN_RE = /^(?:[0-9a-fA-F]{2}){32,100}$/;

/** The provider token: minted once per 50 minutes, shared by concurrent sends, dropped when APNs refuses it. */
function providerTokens(o: ApnsOptions, now: () => number) {
  let key: Promise<CryptoKey> | undefined;
  let current: { jwt: Promise<string>; iat: number } | undefined;
  return {
    get(): Promise<string> {
      if (!current || now() - current.iat >= PROVIDER_TOKEN_SECONDS) {
        const iat = now();
        key ??= importSigningKey(o.key, 'ES256');
        const entry = { iat, jwt: key.then((k) => signJwt('ES256', k, { kid: o.keyId }, { iss: o.teamId, iat })) };
        entry.jwt.catch(() => current === entry && (current = undefined));
        current = entry;
      }
      return current.jwt;
    },
    /** APNs refused `jwt`: the next get() mints a new one, unless another send already has. */
    async refused(jwt: string) {
      const entry = current;
      if (entry && (await entry.jwt.catch(() => undefined)) === jwt && current === entry) current = undefined;
    },
  };
}

const reasonOf = (body: string): string | undefined => {
  try {
    const r = (JSON.parse(body) as { reason?: unknown }).reason;
    return typeof r === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
};

export function apnsAdapter(o: ApnsOptions): PushAdapter {
  const now = o.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const tokens = providerTokens(o, now);
  const origin = o.origin.replace(/\/+$/, '');
  return async (target, message): Promise<PushSendResult> => {
    // A token that is not hex never reaches the URL path; registration refuses such tokens anyway.
    if (!DEVICE_TOKEN_RE.test(target.address)) return { ok: false, status: 0, gone: true };
    const ttl = Math.max(0, Math.floor(message.ttlSeconds));
    const body = JSON.stringify({ aps: alertAps(), ...message.payload });
    const send = async (jwt: string) =>
      o.transport({
        origin,
        path: `/3/device/${target.address.toLowerCase()}`,
        headers: {
          authorization: `bearer ${jwt}`,
          'apns-topic': o.topic,
          'apns-push-type': 'alert',
          'apns-priority': '10',
          // After this the wake-up is useless: the challenge has expired.
          'apns-expiration': String(now() + ttl),
          'apns-collapse-id': COLLAPSE_ID,
          'content-type': 'application/json',
        },
        body,
      });
    let jwt = await tokens.get();
    let res = await send(jwt);
    const reason = reasonOf(res.body);
    if (res.status === 403 && (reason === 'ExpiredProviderToken' || reason === 'InvalidProviderToken')) {
      // One new token, one retry; a key Apple keeps refusing is a configuration error, not a loop.
      await tokens.refused(jwt);
      jwt = await tokens.get();
      res = await send(jwt);
    }
    if (res.status === 200) return { ok: true, status: 200 };
    const why = reasonOf(res.body);
    // 410 Unregistered: the app was removed or the token expired; 400 BadDeviceToken: never valid here.
    const gone = res.status === 410 || (res.status === 400 && why === 'BadDeviceToken');
    return { ok: false, status: res.status, gone };
  };
}
