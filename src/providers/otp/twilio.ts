// SMS through Twilio's Programmable Messaging REST API (no SDK: fetch + Basic auth runs on Workers).
//   POST {apiBaseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json   (form: To, Body, From | MessagingServiceSid)
// 201 → the Message resource; errors → {code, message, more_info, status}. The body is never echoed.
import { systemClock, type Clock } from '../../kernel/ports.js';
import { postWithDeadline, scrub } from './http.js';
import type { DeliveryResult, FetchFn, OtpMessage, OtpSender } from './types.js';

export interface TwilioSmsSenderOptions {
  accountSid: string;
  authToken: string;
  /** An E.164 number, or a Messaging Service SID (MG…) which Twilio then picks a sender from. */
  from: string;
  /** e.g. https://api.twilio.com (no trailing slash needed). */
  apiBaseUrl: string;
  fetch?: FetchFn;
  /** Default 5000. */
  timeoutMs?: number;
  /** For the "expires in N minutes" text. Default: system clock. */
  clock?: Clock;
}

/** "Your verification code is 123456. It expires in 5 minutes. Never share this code." */
export function smsText(code: string, expiresAt: string, nowMs: number): string {
  const expires = Date.parse(expiresAt);
  if (Number.isNaN(expires)) return `Your verification code is ${code}. Never share this code.`;
  const minutes = Math.max(1, Math.ceil((expires - nowMs) / 60_000));
  return `Your verification code is ${code}. It expires in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}. Never share this code.`;
}

export function basicAuth(user: string, password: string): string {
  // btoa needs Latin-1; SIDs and tokens are ASCII.
  return `Basic ${btoa(`${user}:${password}`)}`;
}

export function createTwilioSmsSender(opts: TwilioSmsSenderOptions): OtpSender {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const clock = opts.clock ?? systemClock;
  const url = `${opts.apiBaseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Messages.json`;
  const senderParam = /^MG[0-9a-fA-F]{32}$/.test(opts.from) ? 'MessagingServiceSid' : 'From';

  return {
    name: 'twilio',
    async send(msg: OtpMessage): Promise<DeliveryResult> {
      if (msg.channel !== 'sms') return { ok: false, reason: 'channel_unsupported', detail: `twilio sends sms, not ${msg.channel}` };
      try {
        const form = new URLSearchParams();
        form.set('To', msg.to);
        form.set(senderParam, opts.from);
        form.set('Body', smsText(msg.code, msg.expires_at, clock.now()));
        const out = await postWithDeadline(
          opts.fetch ?? fetch,
          url,
          {
            headers: {
              Authorization: basicAuth(opts.accountSid, opts.authToken),
              'Content-Type': 'application/x-www-form-urlencoded',
              Accept: 'application/json',
            },
            body: form.toString(),
          },
          timeoutMs,
        );
        if (!out.ok) return { ok: false, reason: out.reason, detail: scrub(out.detail, msg.code) };
        const { status } = out.response;
        const json = parseJson(out.bodyText);
        if (status >= 200 && status <= 299) {
          const sid = json?.sid;
          return typeof sid === 'string' && /^(SM|MM)[0-9a-fA-F]{32}$/.test(sid) ? { ok: true, provider_id: sid } : { ok: true };
        }
        // Only Twilio's numeric error code travels on: its `message` may quote the number or the body.
        const code = json?.code;
        const detail = typeof code === 'number' && Number.isInteger(code) ? `twilio ${code}` : `HTTP ${status}`;
        return { ok: false, reason: 'delivery_failed', detail: scrub(detail, msg.code) };
      } catch (err) {
        return { ok: false, reason: 'delivery_failed', detail: scrub(`sender error (${err instanceof Error ? err.name : 'unknown'})`, msg.code) };
      }
    },
  };
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
