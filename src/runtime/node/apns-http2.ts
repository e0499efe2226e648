// Node-only: the HTTP/2 client APNs requires (it refuses HTTP/1.1), given to the core APNs adapter
// as its transport. One multiplexed session per origin, as Apple asks providers to keep, dropped
// when it fails, goes away or idles; an `http://` origin (only a loopback fake, which the config
// enforces) is HTTP/2 over plain TCP.
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import type { ApnsTransport } from '../../factors/push/delivery/apns.js';

export interface Http2Transport {
  send: ApnsTransport;
  /** Closes every open session (server shutdown). */
  close(): void;
}

export function http2Transport(opts: { timeoutMs?: number; idleMs?: number } = {}): Http2Transport {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const sessions = new Map<string, ClientHttp2Session>();

  function session(origin: string): ClientHttp2Session {
    const open = sessions.get(origin);
    if (open && !open.closed && !open.destroyed) return open;
    const s = connect(origin);
    const forget = () => sessions.get(origin) === s && sessions.delete(origin);
    // A failed session is forgotten; the request that used it rejects on its own stream.
    s.on('error', forget);
    s.on('goaway', forget);
    s.on('close', forget);
    s.setTimeout(opts.idleMs ?? 60_000, () => s.close());
    // Never what keeps the process alive.
    s.unref();
    sessions.set(origin, s);
    return s;
  }

  const send: ApnsTransport = (req) =>
    new Promise((resolve, reject) => {
      let stream;
      try {
        stream = session(req.origin).request({ ':method': 'POST', ':path': req.path, ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) });
      } catch (err) {
        return reject(err as Error);
      }
      const chunks: Buffer[] = [];
      let status = 0;
      const headers: Record<string, string | undefined> = {};
      stream.setTimeout(timeoutMs, () => {
        stream.close(constants.NGHTTP2_CANCEL);
        reject(Object.assign(new Error('APNs request timed out'), { name: 'TimeoutError' }));
      });
      stream.on('response', (h) => {
        status = Number(h[':status']);
        for (const [k, v] of Object.entries(h)) if (!k.startsWith(':')) headers[k] = Array.isArray(v) ? v.join(', ') : v === undefined ? undefined : String(v);
      });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve({ status, headers, body: Buffer.concat(chunks).toString('utf8') }));
      stream.on('error', reject);
      stream.end(req.body);
    });

  return {
    send,
    close() {
      for (const s of sessions.values()) s.close();
      sessions.clear();
    },
  };
}
