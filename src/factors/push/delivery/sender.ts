import type { PushMessage, PushSender, PushSendResult } from '../../../kernel/index.js';
import type { PushTarget, PushTransport } from '../schema.js';
import { utf8 } from '../../../crypto/bytes.js';
import { isLoopbackHost } from '../../../loopback.js';
import { vapidSigner, type VapidKey } from './vapid.js';
import { encryptPayload } from './webpush.js';

/** One push service's wire format: Web Push here; FCM and APNs adapters plug in the same way. */
export type PushAdapter = (target: PushTarget, message: PushMessage) => Promise<PushSendResult>;

export interface WebPushOptions {
  vapid: VapidKey;
  /** `mailto:` or `https:` contact the push service may use (RFC 8292 `sub`). */
  subject: string;
  fetch?: typeof fetch;
  /** Seconds since the epoch (the JWT's clock). */
  nowSeconds?: () => number;
  /** Only for tests and development: endpoints on http://127.0.0.1 or localhost are allowed. */
  allowLoopbackHttp?: boolean;
  timeoutMs?: number;
}

/** An endpoint a push may be posted to: https, or loopback http when allowed (never another host's http). */
export function endpointAllowed(endpoint: string, allowLoopbackHttp: boolean): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return allowLoopbackHttp && url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/** RFC 8030 delivery: POST the encrypted payload to the subscription endpoint, with VAPID. */
export function webPushAdapter(opts: WebPushOptions): PushAdapter {
  const doFetch = opts.fetch ?? fetch;
  const authorization = vapidSigner(opts.vapid, opts.subject, opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000)));
  return async (target, message) => {
    if (!target.p256dh || !target.auth || !endpointAllowed(target.address, opts.allowLoopbackHttp ?? false)) return { ok: false, status: 0, gone: true };
    const body = await encryptPayload(utf8(JSON.stringify(message.payload)), { p256dh: target.p256dh, auth: target.auth });
    const res = await doFetch(target.address, {
      method: 'POST',
      headers: {
        authorization: await authorization(target.address),
        'content-encoding': 'aes128gcm',
        'content-type': 'application/octet-stream',
        ttl: String(message.ttlSeconds),
        // A sign-in waits on it: deliver now, even to a device saving battery (RFC 8030 §5.3).
        urgency: 'high',
      },
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
      redirect: 'manual',
    });
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    // 404 and 410: the subscription expired or was unsubscribed (RFC 8030 §7.3).
    return { ok: false, status: res.status, gone: res.status === 404 || res.status === 410 };
  };
}

/** The delivery port: one adapter per transport; a transport without one is not delivered (pull still works). */
export function createPushSender(adapters: Partial<Record<Exclude<PushTransport, 'pull'>, PushAdapter>>): PushSender {
  return {
    async send(transport, target, message) {
      const adapter = adapters[transport];
      return adapter ? adapter(target, message) : { ok: false, status: 0, gone: false };
    },
  };
}
