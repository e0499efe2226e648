// Tests only: a browser-like client of the console over an app's fetch handler (cookies kept by
// hand, forms posted url-encoded with the page's own Origin), and the readers tests share.

export interface ConsoleAnswer {
  status: number;
  headers: Headers;
  text: string;
}

type Fetcher = (path: string, init: RequestInit) => Response | Promise<Response>;

export const ORIGIN = 'http://localhost';

export function consoleClient(fetcher: Fetcher, origin = ORIGIN) {
  let cookie: string | undefined;
  const send = async (method: string, path: string, form?: Record<string, string | string[]>, headers: Record<string, string> = {}) => {
    const body = form ? new URLSearchParams(Object.entries(form).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => [k, x]))) : undefined;
    const res = await fetcher(path, {
      method,
      headers: {
        ...(cookie ? { cookie: `callgate_console=${cookie}` } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded', origin } : {}),
        ...headers,
      },
      ...(body ? { body: body.toString() } : {}),
      redirect: 'manual',
    });
    const set = res.headers.get('set-cookie');
    const m = set ? /callgate_console=([^;]*)/.exec(set) : null;
    if (m) cookie = m[1] || undefined;
    return { status: res.status, headers: res.headers, text: await res.text() } satisfies ConsoleAnswer;
  };
  return {
    get: (path: string, headers?: Record<string, string>) => send('GET', path, undefined, headers),
    post: (path: string, form: Record<string, string | string[]>, headers?: Record<string, string>) => send('POST', path, form, headers),
    async signIn(token: string) {
      return send('POST', '/console/sign-in', { token });
    },
    cookie: () => cookie,
    setCookie: (v: string | undefined) => (cookie = v),
  };
}

/** The CSRF token a page's forms carry. */
export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
}
