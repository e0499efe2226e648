// The simulator's one HTTP call, POST with a JSON body, and the failures it turns into messages a
// person can act on (unreachable, not callgate, refused with the server's reason).
import { DEFAULT_TIMEOUT_MS, type ClientOptions, type Failure } from './settings.js';

type Answer = { ok: true; status: number; body: Record<string, unknown> } | Failure;

export async function post(o: ClientOptions, base: string, path: string, body: unknown, bearer?: string): Promise<Answer> {
  const fetchFn = o.fetch ?? fetch;
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let res: Response;
  try {
    res = await fetchFn(`${base}${path}`, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        'user-agent': 'callgate-device-simulator',
        ...(bearer !== undefined ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { ok: false, exitCode: 1, reason: 'unreachable', message: unreachableMessage(base, err, timeoutMs) };
  }
  const text = await res.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return {
      ok: false,
      exitCode: 1,
      reason: 'bad_response',
      status: res.status,
      body: text.slice(0, 200),
      message: `POST ${base}${path} answered ${res.status} with a non-JSON body: is ${base} a callgate server?`,
    };
  return { ok: true, status: res.status, body: parsed as Record<string, unknown> };
}

function unreachableMessage(base: string, err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer from ${base} within ${timeoutMs / 1000} s`;
  // undici wraps the socket error in `cause`; "localhost" (two addresses) wraps an AggregateError.
  const code = e?.cause?.code ?? e?.cause?.errors?.find((x) => x?.code)?.code;
  const why =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'host not found'
        : (code ?? e?.cause?.message ?? e?.message ?? 'network error');
  return `cannot reach callgate at ${base} (${why}): is it running (npm start)? Use --url or CALLGATE_URL to point elsewhere`;
}

const reasonOf = (body: Record<string, unknown>) => (typeof body.reason === 'string' ? body.reason : undefined);

function fieldErrors(body: Record<string, unknown>): string {
  const errors = Array.isArray(body.errors) ? (body.errors as { field?: unknown; message?: unknown }[]) : [];
  return errors.map((e) => `${String(e.field)}: ${String(e.message)}`).join('; ');
}

/** A non-success answer, explained. */
export function refusal(what: string, status: number, body: Record<string, unknown>, hint: (reason: string | undefined) => string | undefined): Failure {
  const reason = reasonOf(body);
  const detail = status === 400 ? fieldErrors(body) : '';
  const explained = hint(reason) ?? (status >= 500 ? 'the server failed; see its log' : undefined);
  const message = `${what}: refused (${status}${reason ? ` ${reason}` : ''})${detail ? `: ${detail}` : ''}${explained ? ` — ${explained}` : ''}`;
  return { ok: false, exitCode: 1, reason: reason ?? `http_${status}`, status, body, message };
}

export const missingRoute = (base: string, path: string) =>
  `the server at ${base} has no POST ${path} route (an older callgate, or not callgate at all)`;
