// A small keep-alive HTTP client for the scenario drivers that autocannon cannot express (a call's
// dependent steps, long-polls). Raw node:http: fetch/undici costs more per request in the load
// generator, and the load generator shares the machine with the server.
import http from 'node:http';

/**
 * How long a kept-alive socket may sit idle in the pool before this client closes it. workerd
 * (through its HTTP server library) closes a connection 5 s after its last response and, unlike
 * Node's server, sends no `Keep-Alive: timeout=` hint, so a client that keeps idle sockets longer
 * sometimes writes a request onto one the server is closing that very moment: "socket hang up" /
 * ECONNRESET, a race on the client's side, not a refusal by the server. Closing first avoids it
 * (Node's server announces 5 s, and Node's agent then closes at 4 s by itself).
 */
export const IDLE_SOCKET_MS = 4_000;

export interface Reply {
  status: number;
  text: string;
  /** performance.now() when the request was handed to the socket layer. */
  sentAt: number;
  /** performance.now() when the whole body had arrived. */
  doneAt: number;
  ms: number;
}

export class HttpClient {
  readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    readonly baseUrl: string,
    opts: { maxSockets?: number; keepAlive?: boolean } = {},
  ) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
    // `timeout`: the agent destroys a free socket that stays idle this long; a socket carrying a
    // request keeps it only as an event nobody listens to (long-polls set their own below).
    this.agent = new http.Agent({
      keepAlive: opts.keepAlive ?? true,
      maxSockets: opts.maxSockets ?? 64,
      maxFreeSockets: opts.maxSockets ?? 64,
      timeout: IDLE_SOCKET_MS,
    });
  }

  request(
    method: 'GET' | 'POST',
    path: string,
    opts: { body?: unknown; bearer?: string; signal?: AbortSignal; timeoutMs?: number; onSent?: () => void } = {},
  ): Promise<Reply> {
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
    return new Promise((resolve, reject) => {
      const sentAt = performance.now();
      const req = http.request(
        { host: this.host, port: this.port, method, path, headers, agent: this.agent, ...(opts.signal ? { signal: opts.signal } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const doneAt = performance.now();
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), sentAt, doneAt, ms: doneAt - sentAt });
          });
          res.on('error', reject);
        },
      );
      // 'finish': the whole request is in the kernel's socket buffer, so the connection is established.
      if (opts.onSent) req.once('finish', opts.onSent);
      if (opts.timeoutMs) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`timeout after ${opts.timeoutMs} ms`)));
      req.on('error', reject);
      if (payload) req.end(payload);
      else req.end();
    });
  }

  async json<T = Record<string, any>>(method: 'GET' | 'POST', path: string, opts: { body?: unknown; bearer?: string; timeoutMs?: number } = {}): Promise<Reply & { body: T }> {
    const r = await this.request(method, path, opts);
    let body: T;
    try {
      body = JSON.parse(r.text) as T;
    } catch {
      body = {} as T;
    }
    return { ...r, body };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `work(i)` for i in [0, n) with at most `concurrency` in flight; the first error rejects. */
export async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) await work(next++);
  });
  await Promise.all(workers);
}
