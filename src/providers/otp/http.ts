// One outbound POST with a deadline, classified into DeliveryResult terms. Never throws.
import type { DeliveryFailure, FetchFn } from './types.js';

export type PostOutcome =
  | { ok: true; response: Response; bodyText: string }
  | { ok: false; reason: Exclude<DeliveryFailure, 'channel_unsupported'>; detail: string };

export async function postWithDeadline(
  fetchFn: FetchFn,
  url: string,
  init: Omit<RequestInit, 'signal' | 'method'>,
  timeoutMs: number,
): Promise<PostOutcome> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    // No redirects: a 3xx must not carry a code (or our credentials) to another address.
    const response = await fetchFn(url, { ...init, method: 'POST', redirect: 'manual', signal });
    // The deadline covers the body too; answers here are small.
    const bodyText = await response.text();
    return { ok: true, response, bodyText };
  } catch (err) {
    if (signal.aborted || isTimeout(err)) return { ok: false, reason: 'delivery_timeout', detail: `no answer within ${timeoutMs} ms` };
    return { ok: false, reason: 'delivery_failed', detail: `network error (${errorLabel(err)})` };
  }
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

/** A short label for a network error: the system code when there is one (ECONNREFUSED…). */
function errorLabel(err: unknown): string {
  const cause = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code ?? (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
  // undici's own refusals ("bad port", "invalid method") carry no code, only a short message.
  const message = cause instanceof Error ? cause.message : undefined;
  if (message && /^[\w .:'-]{1,60}$/.test(message)) return message;
  if (err instanceof Error) return err.name;
  return 'unknown';
}

/** Belt and braces: whatever a detail says, it never carries the code. */
export function scrub(detail: string, code: string): string {
  return code.length > 0 && detail.includes(code) ? detail.split(code).join('[redacted]') : detail;
}
