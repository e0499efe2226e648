// Live-call redirect through Twilio's Calls REST API (no SDK: fetch + Basic auth runs on Workers).
//   POST {apiBaseUrl}/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json   (form: Url, Method)
// 200 → the Call resource, and Twilio fetches new TwiML from Url for the live call.
// Errors → {code, message, more_info, status}; only the numeric code travels on.
//
// Retries — network errors, timeouts, 429 and 5xx — with a backoff schedule: `retries` extra
// attempts after the first, waiting backoffMs[k-1] before retry k (the last entry repeats). Never
// retried: any other 4xx (20404 unknown call, 21220 call not in progress, 20003 bad credentials…),
// a 3xx (never followed), or a request refused before sending (bad CallSid, URL or method).
// redirect() never throws.
//
// Note: a timed-out attempt may still have reached Twilio, so a retry can redirect the call a second
// time to the same URL. Point Url at an idempotent handler.
import { postWithDeadline } from '../otp/http.js';
import { basicAuth } from '../otp/twilio.js';
import type { FetchFn } from '../otp/types.js';
import { isAbsoluteHttpUrl } from './twiml.js';

export type RedirectMethod = 'GET' | 'POST';

export interface RedirectTarget {
  /** Absolute http(s) URL of the TwiML the call continues with. */
  url: string;
  /** Default POST. */
  method?: RedirectMethod;
}

export type RedirectResult =
  | { ok: true; attempts: number; status: number }
  | {
      ok: false;
      /** Requests actually sent (0 when refused before sending). */
      attempts: number;
      /** HTTP status of the last answer, when there was one. */
      status?: number;
      /**
       * "twilio <code>" (e.g. "twilio 21220"), "HTTP <status>" when the answer had no Twilio code,
       * "timeout", "network", or "invalid_call_sid" | "invalid_url" | "invalid_method" (no request).
       */
      error: string;
      /** True when the last failure was transient (network, timeout, 429, 5xx): trying later may work. */
      retryable: boolean;
      /** For logs: e.g. the network error label ("ECONNREFUSED"). Never contains credentials. */
      detail?: string;
    };

export interface TwilioCallRedirector {
  redirect(callSid: string, target: RedirectTarget): Promise<RedirectResult>;
}

export interface TwilioCallRedirectorOptions {
  accountSid: string;
  authToken: string;
  /** e.g. https://api.twilio.com (a trailing slash is fine). */
  apiBaseUrl: string;
  fetch?: FetchFn;
  /** Per attempt. Default 5000. */
  timeoutMs?: number;
  /** Extra attempts after the first. Default 3. */
  retries?: number;
  /** Wait before retry k is backoffMs[k-1] (the last entry repeats). Default [0, 200, 800]. */
  backoffMs?: readonly number[];
  /** Injectable for tests. Default: setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

/** A Twilio Call SID: "CA" + 32 hex digits. */
export const CALL_SID_PATTERN = /^CA[0-9a-fA-F]{32}$/;

export function isCallSid(value: unknown): value is string {
  return typeof value === 'string' && CALL_SID_PATTERN.test(value);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function twilioCode(bodyText: string): number | null {
  try {
    const v: unknown = JSON.parse(bodyText);
    const code = typeof v === 'object' && v !== null ? (v as { code?: unknown }).code : undefined;
    return typeof code === 'number' && Number.isInteger(code) ? code : null;
  } catch {
    return null;
  }
}

export function createTwilioCallRedirector(opts: TwilioCallRedirectorOptions): TwilioCallRedirector {
  if (typeof opts.accountSid !== 'string' || !/^AC[0-9a-fA-F]{32}$/.test(opts.accountSid))
    throw new TypeError('twilio accountSid must be "AC" followed by 32 hex digits');
  if (typeof opts.authToken !== 'string' || opts.authToken.length === 0) throw new TypeError('twilio authToken is required');
  if (!isAbsoluteHttpUrl(opts.apiBaseUrl)) throw new TypeError('twilio apiBaseUrl must be an absolute http(s) URL');
  const timeoutMs = opts.timeoutMs ?? 5000;
  const retries = opts.retries ?? 3;
  const backoffMs = opts.backoffMs ?? [0, 200, 800];
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError('timeoutMs must be positive');
  if (!Number.isSafeInteger(retries) || retries < 0) throw new RangeError('retries must be a non-negative integer');
  if (backoffMs.some((ms) => !Number.isFinite(ms) || ms < 0)) throw new RangeError('backoffMs entries must be non-negative');
  const sleep = opts.sleep ?? defaultSleep;
  const fetchFn: FetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
  const base = `${opts.apiBaseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Calls/`;
  const authorization = basicAuth(opts.accountSid, opts.authToken);

  async function attempt(url: string, body: string): Promise<RedirectResult> {
    const out = await postWithDeadline(
      fetchFn,
      url,
      {
        headers: {
          Authorization: authorization,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body,
      },
      timeoutMs,
    );
    if (!out.ok) {
      return out.reason === 'delivery_timeout'
        ? { ok: false, attempts: 0, error: 'timeout', retryable: true, detail: out.detail }
        : { ok: false, attempts: 0, error: 'network', retryable: true, detail: out.detail };
    }
    const { status } = out.response;
    if (status >= 200 && status <= 299) return { ok: true, attempts: 0, status };
    const code = twilioCode(out.bodyText);
    return {
      ok: false,
      attempts: 0,
      status,
      error: code !== null ? `twilio ${code}` : `HTTP ${status}`,
      retryable: status === 429 || status >= 500,
    };
  }

  return {
    async redirect(callSid, target) {
      let sent = 0;
      try {
        if (!isCallSid(callSid)) return { ok: false, attempts: 0, error: 'invalid_call_sid', retryable: false };
        if (!isAbsoluteHttpUrl(target?.url)) return { ok: false, attempts: 0, error: 'invalid_url', retryable: false };
        const method = target.method ?? 'POST';
        if (method !== 'GET' && method !== 'POST') return { ok: false, attempts: 0, error: 'invalid_method', retryable: false };

        const url = `${base}${callSid}.json`;
        const body = new URLSearchParams({ Url: target.url, Method: method }).toString();
        let last: RedirectResult | undefined;
        for (let n = 1; n <= retries + 1; n++) {
          if (n > 1) {
            const wait = backoffMs.length > 0 ? backoffMs[Math.min(n - 2, backoffMs.length - 1)]! : 0;
            if (wait > 0) await sleep(wait);
          }
          sent = n;
          last = { ...(await attempt(url, body)), attempts: n };
          if (last.ok || !last.retryable) return last;
        }
        return last!;
      } catch (err) {
        // Only reachable through a misbehaving injected sleep (fetch errors are classified above):
        // still an answer, not a throw.
        return { ok: false, attempts: sent, error: 'network', retryable: true, detail: `redirector error (${err instanceof Error ? err.name : 'unknown'})` };
      }
    },
  };
}
