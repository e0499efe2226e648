// Webhook delivery: POST the message as JSON to the operator's endpoint, signed as docs/api.md says
// (X-Callgate-Signature), so the receiver can check it with verifyBody and its copy of the secret.
import { SIGNATURE_HEADER, signBody } from '../../crypto/signature.js';
import type { Clock } from '../../kernel/ports.js';
import { postWithDeadline, scrub } from './http.js';
import type { DeliveryResult, FetchFn, OtpMessage, OtpSender } from './types.js';

export interface WebhookSenderOptions {
  url: string;
  secret: string;
  fetch?: FetchFn;
  /** Default 5000. */
  timeoutMs?: number;
  clock: Clock;
}

export function createWebhookSender(opts: WebhookSenderOptions): OtpSender {
  const timeoutMs = opts.timeoutMs ?? 5000;
  return {
    name: 'webhook',
    async send(msg: OtpMessage): Promise<DeliveryResult> {
      try {
        const fetchFn = opts.fetch ?? fetch;
        const body = JSON.stringify({
          to: msg.to,
          channel: msg.channel,
          code: msg.code,
          call_id: msg.call_id,
          expires_at: msg.expires_at,
        });
        const signature = await signBody(opts.secret, body, Math.floor(opts.clock.now() / 1000));
        const out = await postWithDeadline(
          fetchFn,
          opts.url,
          {
            headers: {
              'Content-Type': 'application/json',
              Accept: 'application/json',
              [SIGNATURE_HEADER]: signature,
            },
            body,
          },
          timeoutMs,
        );
        if (!out.ok) return { ok: false, reason: out.reason, detail: scrub(out.detail, msg.code) };
        const { status } = out.response;
        if (status < 200 || status > 299) return { ok: false, reason: 'delivery_failed', detail: `HTTP ${status}` };
        return { ok: true, ...providerId(out.bodyText, msg.code) };
      } catch (err) {
        return { ok: false, reason: 'delivery_failed', detail: scrub(`sender error (${err instanceof Error ? err.name : 'unknown'})`, msg.code) };
      }
    },
  };
}

/** A receiver may answer `{"id": "…"}`: kept as provider_id when it is a short plain string. */
function providerId(bodyText: string, code: string): { provider_id?: string } {
  try {
    const id = (JSON.parse(bodyText) as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && /^[\w.:-]{1,128}$/.test(id) && !id.includes(code)) return { provider_id: id };
  } catch {
    // any 2xx body is fine
  }
  return {};
}
