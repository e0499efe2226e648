// A generic recording HTTP endpoint (webhook receivers, callbacks): answers every request with the
// configured reply and keeps the raw body, so a test can check a signature over the exact bytes.
import { startRecordingServer, type FakeControls, type RecordedRequest, type Reply } from './server.js';

export interface SinkRequest extends RecordedRequest {
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json?: unknown;
}

export interface HttpSink extends FakeControls {
  url: string;
  requests: SinkRequest[];
  /** The normal answer from now on (default 200 `{"ok":true}`). */
  respondWith(status: number, body?: unknown, headers?: Record<string, string>): void;
  /** Custom answers computed from each request (overrides respondWith). */
  respondUsing(fn: ((req: SinkRequest) => Reply | Promise<Reply>) | null): void;
}

export async function startHttpSink(): Promise<HttpSink> {
  let reply: Reply = { status: 200, body: JSON.stringify({ ok: true }) };
  let custom: ((req: SinkRequest) => Reply | Promise<Reply>) | null = null;

  const server = await startRecordingServer<SinkRequest>(
    (req) => {
      let json: unknown;
      try {
        json = req.rawBody === '' ? undefined : JSON.parse(req.rawBody);
      } catch {
        json = undefined;
      }
      return { ...req, json };
    },
    (req) => (custom ? custom(req) : reply),
    (status) => JSON.stringify({ error: `injected failure ${status}` }),
  );

  return {
    ...server,
    respondWith(status, body, headers) {
      reply = {
        status,
        body: body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body),
        ...(headers ? { headers } : {}),
      };
    },
    respondUsing(fn) {
      custom = fn;
    },
  };
}
