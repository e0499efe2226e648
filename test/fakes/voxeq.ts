// A local stand-in for the VoxEQ pull API as providers/voxeq/pull.ts assumes it:
//   GET /v1/calls/{callId}/verify   (Authorization: Bearer <api key>)
//   200 + the screen result, 202 {"status":"processing"} while screening, 404 for an unknown call,
//   401 for a missing/wrong key. Per-call results and latency, and failure injection (failNext,
//   setLatency) from test/fakes/server.ts. Every request is recorded.
import type { ScreenResult } from '../../src/providers/voxeq/types.js';
import { startRecordingServer, type FakeControls, type RecordedRequest, type Reply } from './server.js';

export const FAKE_VOXEQ_API_KEY = 'vxq_test_0123456789abcdef0123456789';

export interface VoxeqRequest extends RecordedRequest {
  /** The decoded call id of the path, or null for any other path. */
  callId: string | null;
  /** The bearer token sent, or null. */
  bearer: string | null;
}

/** What the fake answers for one call. */
export type FakeVoxeqAnswer =
  | ScreenResult
  | 'pending'
  | 'not_found'
  /** A raw reply, for bad JSON, wrong shapes and odd statuses. */
  | { reply: Reply };

export interface FakeVoxeq extends FakeControls {
  url: string;
  apiKey: string;
  requests: VoxeqRequest[];
  /** Sets what a call answers from now on (unknown calls answer 404). */
  setResult(callId: string, answer: FakeVoxeqAnswer): void;
  /** Answers for this call wait `ms` first (on top of setLatency). */
  setCallLatency(callId: string, ms: number): void;
}

const PATH = /^\/v1\/calls\/([^/]+)\/verify$/;

export async function startFakeVoxeq(opts: { apiKey?: string } = {}): Promise<FakeVoxeq> {
  const apiKey = opts.apiKey ?? FAKE_VOXEQ_API_KEY;
  const answers = new Map<string, FakeVoxeqAnswer>();
  const latency = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();

  const json = (status: number, body: unknown): Reply => ({ status, body: JSON.stringify(body) });

  const server = await startRecordingServer<VoxeqRequest>(
    (req) => {
      const m = PATH.exec(req.path);
      let callId: string | null = null;
      if (m) {
        try {
          callId = decodeURIComponent(m[1]!);
        } catch {
          callId = null;
        }
      }
      const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
      return { ...req, callId, bearer: auth ? auth[1]! : null };
    },
    async (req) => {
      if (req.method !== 'GET' || req.callId === null) return json(404, { error: 'not_found' });
      if (req.bearer !== apiKey) return json(401, { error: 'unauthorized' });
      const ms = latency.get(req.callId) ?? 0;
      if (ms > 0)
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            resolve();
          }, ms);
          timers.add(t);
        });
      const answer = answers.get(req.callId) ?? 'not_found';
      if (answer === 'not_found') return json(404, { error: 'not_found' });
      if (answer === 'pending') return json(202, { status: 'processing', call_id: req.callId });
      if ('reply' in answer) return answer.reply;
      return json(200, answer);
    },
    (status) => JSON.stringify({ error: `injected failure ${status}` }),
  );

  return {
    ...server,
    apiKey,
    setResult(callId, answer) {
      answers.set(callId, answer);
    },
    setCallLatency(callId, ms) {
      latency.set(callId, ms);
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return server.close();
    },
  };
}
