import type { PushSendResult } from '../../../kernel/index.js';
import { alertAps, COLLAPSE_ID } from './apns-payload.js';
import { serviceAccountTokens, type ServiceAccount } from './google-oauth.js';
import type { PushAdapter } from './sender.js';

// Firebase Cloud Messaging, HTTP v1 API: POST {base}/v1/projects/{project}/messages:send with an
// OAuth access token. Android gets a high-priority data message (the app shows the prompt itself);
// an iOS app registered with FCM gets the same data inside an APNs alert, which FCM relays.

export const FCM_API_URL = 'https://fcm.googleapis.com';
/** What FCM issues as registration tokens (opaque; about 160 characters today). */
export const FCM_TOKEN_RE = /^[A-Za-z0-9_:.-]{32,2048}$/;

export interface FcmOptions {
  serviceAccount: ServiceAccount;
  /** Only tests change it (a fake on loopback); the config refuses any other plain-http host. */
  apiUrl?: string;
  fetch?: typeof fetch;
  nowSeconds?: () => number;
  timeoutMs?: number;
}

interface FcmErrorBody {
  error?: { status?: string; details?: { '@type'?: string; errorCode?: string }[] };
}

/** The FCM v1 error code of an answer (`UNREGISTERED`, `INVALID_ARGUMENT`, …), when it names one. */
function fcmErrorCode(body: FcmErrorBody): string | undefined {
  return body.error?.details?.find((d) => d['@type']?.endsWith('google.firebase.fcm.v1.FcmError'))?.errorCode;
}

export function fcmAdapter(opts: FcmOptions): PushAdapter {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const tokens = serviceAccountTokens(opts.serviceAccount, { fetch: doFetch, nowSeconds: now, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  const url = `${(opts.apiUrl ?? FCM_API_URL).replace(/\/+$/, '')}/v1/projects/${encodeURIComponent(opts.serviceAccount.projectId)}/messages:send`;

  async function post(token: string, body: string): Promise<{ status: number; body: FcmErrorBody }> {
    const res = await doFetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
      redirect: 'manual',
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as FcmErrorBody };
  }

  return async (target, message): Promise<PushSendResult> => {
    const ttl = Math.max(0, Math.floor(message.ttlSeconds));
    const body = JSON.stringify({
      message: {
        token: target.address,
        // FCM refuses a data map whose values are not strings; the payload is strings only.
        data: message.payload,
        android: { priority: 'high', ttl: `${ttl}s`, collapse_key: COLLAPSE_ID },
        apns: {
          headers: { 'apns-push-type': 'alert', 'apns-priority': '10', 'apns-expiration': String(now() + ttl), 'apns-collapse-id': COLLAPSE_ID },
          payload: { aps: alertAps() },
        },
      },
    });
    let token = await tokens.get();
    let res = await post(token, body);
    if (res.status === 401) {
      // The access token was revoked or expired early: one new token, one retry, no more.
      tokens.invalidate(token);
      token = await tokens.get();
      res = await post(token, body);
    }
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    // The app was uninstalled or the token expired: FCM answers 404 with errorCode UNREGISTERED.
    // A bare 404 (a wrong project or API URL) is our misconfiguration: the device keeps its token.
    const gone = fcmErrorCode(res.body) === 'UNREGISTERED';
    return { ok: false, status: res.status, gone };
  };
}
