// A tiny JSON-over-HTTP client for the CLI demo: real `fetch`, a bearer per request, the answer
// parsed whatever its status (callgate answers JSON on every route, errors included).

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  /** The raw text, for checks that search the whole answer. */
  text: string;
}

export interface HttpClient {
  readonly baseUrl: string;
  request<T = Record<string, unknown>>(
    method: 'GET' | 'POST',
    path: string,
    opts?: { bearer?: string; body?: unknown; timeoutMs?: number },
  ): Promise<JsonResponse<T>>;
}

export function createHttpClient(baseUrl: string, fetchFn: typeof fetch = fetch): HttpClient {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    baseUrl: base,
    async request<T>(method: 'GET' | 'POST', path: string, opts: { bearer?: string; body?: unknown; timeoutMs?: number } = {}) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (opts.bearer !== undefined) headers.authorization = `Bearer ${opts.bearer}`;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetchFn(`${base}${path}`, {
        method,
        headers,
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      });
      const text = await res.text();
      let body: unknown;
      try {
        body = text === '' ? {} : JSON.parse(text);
      } catch {
        body = { non_json_body: text.slice(0, 200) };
      }
      return { status: res.status, body: body as T, text };
    },
  };
}
