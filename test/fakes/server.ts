// Shared plumbing for the fake servers: a node:http server on 127.0.0.1:0 with injectable latency
// and failures, whose close() also ends held (delayed) responses.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw body exactly as received. */
  rawBody: string;
  /** Milliseconds since the epoch when the request was fully received. */
  at: number;
  /** Status the fake answered (set once answered). */
  status?: number;
}

export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface FakeControls {
  /** The next `n` requests answer `status` (with `body`, when given) instead of the normal answer. */
  failNext(n: number, status?: number, body?: string): void;
  /** Every following request waits `ms` before it is answered (0 turns it off). */
  setLatency(ms: number): void;
  /** Resolves once at least `count` requests were recorded (rejects after `timeoutMs`). */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface StartedFake<R extends RecordedRequest> extends FakeControls {
  url: string;
  requests: R[];
}

export async function startRecordingServer<R extends RecordedRequest>(
  handle: (req: RecordedRequest) => R | Promise<R>,
  answer: (rec: R) => Reply | Promise<Reply>,
  failureBody: (status: number) => string,
): Promise<StartedFake<R>> {
  const requests: R[] = [];
  let failures: { status: number; body?: string }[] = [];
  let latencyMs = 0;
  const timers = new Set<NodeJS.Timeout>();
  const waiters = new Set<() => void>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const u = new URL(req.url ?? '/', 'http://fake.local');
        const base: RecordedRequest = {
          method: req.method ?? 'GET',
          path: u.pathname,
          query: u.searchParams,
          headers: req.headers,
          rawBody: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        const rec = await handle(base);
        requests.push(rec);
        for (const w of waiters) w();
        if (latencyMs > 0) await sleep(latencyMs);
        const failure = failures.shift();
        const reply: Reply = failure
          ? { status: failure.status, body: failure.body ?? failureBody(failure.status) }
          : await answer(rec);
        rec.status = reply.status;
        if (res.destroyed) return;
        res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8', ...reply.headers });
        res.end(reply.body ?? '');
      })().catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(599, { 'Content-Type': 'text/plain' });
          res.end(`fake server bug: ${String(err)}`);
        }
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(n, status = 500, body) {
      failures = failures.concat(Array.from({ length: n }, () => ({ status, body })));
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    waitForRequests(count, timeoutMs = 5000) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (requests.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} requests within ${timeoutMs} ms, got ${requests.length}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
