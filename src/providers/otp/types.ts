// The OTP delivery port: factors/otp hands a message to an OtpSender and gets a value back, never an
// exception. `detail` is for logs and audit events and never contains the code.

export interface OtpMessage {
  /** E.164 phone number (sms) or e-mail address (email). */
  to: string;
  channel: 'sms' | 'email';
  /** The one-time code itself: only the delivery payload ever carries it. */
  code: string;
  call_id: string;
  /** ISO 8601. */
  expires_at: string;
}

export type DeliveryFailure = 'delivery_failed' | 'channel_unsupported' | 'delivery_timeout';

export type DeliveryResult =
  | { ok: true; provider_id?: string }
  | { ok: false; reason: DeliveryFailure; detail?: string /* never contains the code */ };

export interface OtpSender {
  readonly name: string;
  send(msg: OtpMessage): Promise<DeliveryResult>;
}

/** The fetch the senders use (injectable for tests and for Workers service bindings). */
export type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
