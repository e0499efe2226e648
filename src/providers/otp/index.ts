// Picks the OTP sender the configuration asks for (CALLGATE_OTP_DELIVERY).
import type { Config } from '../../config.js';
import type { Clock } from '../../kernel/ports.js';
import { createConsoleSender } from './console.js';
import type { DevOutbox } from './outbox.js';
import { createTwilioSmsSender } from './twilio.js';
import type { FetchFn, OtpSender } from './types.js';
import { createWebhookSender } from './webhook.js';

export type { DeliveryFailure, DeliveryResult, FetchFn, OtpMessage, OtpSender } from './types.js';
export { DevOutbox, type OutboxEntry } from './outbox.js';
export { createConsoleSender, formatConsoleLine, type ConsoleSenderOptions } from './console.js';
export { createWebhookSender, type WebhookSenderOptions } from './webhook.js';
export { createTwilioSmsSender, smsText, type TwilioSmsSenderOptions } from './twilio.js';

export interface OtpSenderDeps {
  clock: Clock;
  fetch?: FetchFn;
  /** The dev outbox GET /admin/outbox lists; only filled when config.devOutbox. */
  outbox?: DevOutbox;
  /** Console line writer (default console.log). */
  write?: (line: string) => void;
  timeoutMs?: number;
}

export function createOtpSender(config: Config, opts: OtpSenderDeps): OtpSender {
  switch (config.otp.delivery) {
    case 'console':
      return createConsoleSender({
        outbox: config.devOutbox ? opts.outbox : undefined,
        write: opts.write,
        clock: opts.clock,
        showCode: !config.production,
      });
    case 'webhook': {
      const hook = config.otp.webhook;
      if (!hook) throw new Error('config.otp.webhook is required for webhook delivery (loadConfig checks this)');
      return createWebhookSender({ url: hook.url, secret: hook.secret, fetch: opts.fetch, clock: opts.clock, timeoutMs: opts.timeoutMs });
    }
    case 'twilio': {
      const { accountSid, authToken, messagingFrom, apiBaseUrl } = config.twilio;
      if (!accountSid || !authToken || !messagingFrom)
        throw new Error('config.twilio accountSid, authToken and messagingFrom are required for twilio delivery (loadConfig checks this)');
      return createTwilioSmsSender({
        accountSid,
        authToken,
        from: messagingFrom,
        apiBaseUrl,
        fetch: opts.fetch,
        clock: opts.clock,
        timeoutMs: opts.timeoutMs,
      });
    }
  }
}
