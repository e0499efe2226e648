// The steps the DID scenarios are made of: issue a DID, hold did_wait as an agent does (re-polling
// when a wait runs out), and confirm as the phone app does (challenge → sign → confirm).
import { confirmMessage, signAsDevice } from '../../src/crypto/device-signature.js';
import type { BenchDevice } from '../fixtures.js';
import type { HttpClient, Reply } from '../lib/http.js';
import { sleep, waitUntilIdle } from '../lib/proc.js';
import { convOf, type Ctx } from './types.js';

/** What a did_wait asks for; the server caps it at 20 s. */
export const WAIT_SECONDS = 20;

export interface Confirmed {
  ok: boolean;
  reason?: string;
  /** The /app/confirm request. */
  confirm?: Reply;
  /** challenge + sign + confirm. */
  totalMs: number;
}

/** The phone app confirming `did`; a failed request (connection error included) is a reason, not a throw. */
export async function confirmAsDevice(ctx: Ctx, device: BenchDevice, did: string): Promise<Confirmed> {
  const t0 = performance.now();
  device.used++;
  try {
    const ch = await ctx.client.json('POST', '/app/challenge', { body: { device_id: device.deviceId, did } });
    if (ch.status !== 200) return { ok: false, reason: `challenge:${ch.status}:${String(ch.body.reason ?? '')}`, totalMs: performance.now() - t0 };
    const { session_id, call_binding, nonce } = ch.body as { session_id: string; call_binding: string; nonce: string };
    const signature = await signAsDevice(device.key, confirmMessage({ sessionId: session_id, callBinding: call_binding, did, nonce }));
    const confirm = await ctx.client.json('POST', '/app/confirm', { body: { session_id, device_id: device.deviceId, nonce, signature } });
    const ok = confirm.status === 200 && confirm.body.status === 'confirmed';
    return { ok, ...(ok ? {} : { reason: `confirm:${confirm.status}:${String(confirm.body.reason ?? '')}` }), confirm, totalMs: performance.now() - t0 };
  } catch (e) {
    return { ok: false, reason: `device:error:${(e as Error).message}`, totalMs: performance.now() - t0 };
  }
}

export async function until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!pred()) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/**
 * Resolves once the server has worked through the requests sent before: its CPU has gone quiet and
 * two health checks in a row answer within 100 ms (false after `timeoutMs`). On workerd the CPU
 * alone says little: its one event-loop thread also waits on the local D1's fsyncs, and a request
 * it has not read yet when a connection's timer runs out loses its connection.
 */
export async function caughtUp(ctx: Ctx, timeoutMs = 30_000, o: { cpu?: boolean } = {}): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  if (o.cpu ?? true) await waitUntilIdle(ctx.pid, { timeoutMs });
  for (let quick = 0; quick < 2; ) {
    if (performance.now() > deadline) return false;
    const r = await ctx.client.request('GET', '/healthz').catch(() => undefined);
    quick = r?.status === 200 && r.ms < 100 ? quick + 1 : 0;
    if (quick < 2) await sleep(20);
  }
  return true;
}

/**
 * Sends `n` long-polls through `send(i)`: at once (pausing 25 ms every 250) when the run's
 * waitBurst is 0, else `waitBurst` at a time, each burst written and worked through before the next.
 */
export async function sendPaced(ctx: Ctx, n: number, send: (i: number) => void, sent: () => number, onBurst?: (k: number) => void): Promise<void> {
  const burst = ctx.settings.waitBurst;
  for (let i = 0; i < n; i++) {
    send(i);
    if (burst === 0 && i % 250 === 249) {
      onBurst?.(i + 1);
      await sleep(25);
    } else if (burst > 0 && (i % burst === burst - 1 || i === n - 1)) {
      await until(() => sent() === i + 1, 20_000);
      // The health checks alone between bursts: the CPU window costs 0.4 s a burst, and a DID lives 60 s.
      await caughtUp(ctx, 30_000, { cpu: false });
      onBurst?.(i + 1);
    }
  }
}

export async function issue(ctx: Ctx, callId: string): Promise<string> {
  const r = await ctx.client.json('POST', '/tools/auth_orchestrator', {
    bearer: ctx.tool,
    body: { call_id: callId, conversation_id: convOf(callId), action: 'did_issue' },
  });
  if (r.status !== 200 || typeof r.body.did !== 'string') throw new Error(`did_issue answered ${r.status} ${r.text.slice(0, 200)}`);
  return r.body.did;
}

function waitOnce(client: HttpClient, ctx: Ctx, callId: string, onSent?: () => void): Promise<Reply | Error> {
  return client
    .request('POST', '/tools/auth_orchestrator', {
      bearer: ctx.tool,
      body: { call_id: callId, conversation_id: convOf(callId), action: 'did_wait', wait_seconds: WAIT_SECONDS },
      timeoutMs: (WAIT_SECONDS + 10) * 1000,
      ...(onSent ? { onSent } : {}),
    })
    .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
}

export interface Held {
  /** The last answer (or the error that ended the holding). */
  reply: Reply | Error;
  /** did_wait requests sent for this call: 1, plus one per wait that ran out still pending. */
  polls: number;
  /** performance.now() when the answering did_wait was sent: after the confirm was sent, it was a re-poll that found the call confirmed, not a parked wait woken. */
  lastSentAt: number;
}

/**
 * Holds a call's did_wait as an agent does: a wait that runs out with the DID still pending is
 * sent again at once, until it answers anything else, errs, or `stop()` (the agent hangs up).
 * Only the first request reports `onSent`.
 */
export function holdWait(client: HttpClient, ctx: Ctx, callId: string, onSent?: () => void): { done: Promise<Held>; stop(): void } {
  let stopped = false;
  const done = (async (): Promise<Held> => {
    let polls = 0;
    for (;;) {
      const sentAt = performance.now();
      const reply = await waitOnce(client, ctx, callId, polls === 0 ? onSent : undefined);
      polls++;
      const pending = !(reply instanceof Error) && reply.status === 200 && reply.text.includes('"did_status":"pending"');
      if (!pending || stopped) return { reply, polls, lastSentAt: sentAt };
    }
  })();
  return { done, stop: () => (stopped = true) };
}

/** A device with rate-limit budget left (the server allows 20 challenges and 20 confirms per device per minute). */
export function deviceFor(ctx: Ctx, i: number): BenchDevice {
  const D = ctx.devices.length;
  for (let k = 0; k < D; k++) {
    const d = ctx.devices[(i + k) % D]!;
    if (d.used < 18) return d;
  }
  throw new Error('every bench device has used its confirmation budget for this minute');
}

/**
 * One confirm-to-answer sample from a confirmation and the call's held wait, or why there is none:
 * an error label, or `repoll` (the answering did_wait was sent after the confirm, so no parked
 * waiter was woken: not a sample of the wake path, and not an error either).
 */
export function sampleOf(conf: Confirmed, held: Held): { c2a: number; bound: number; early: boolean } | { error: string } | 'repoll' {
  const w = held.reply;
  if (w instanceof Error) return { error: `did_wait:error:${w.message}` };
  if (w.status !== 200 || !w.text.includes('"did_status":"confirmed"')) {
    const status = /"did_status":"(\w+)"/.exec(w.text)?.[1] ?? 'none';
    return { error: `did_wait:${w.status}:${status}` };
  }
  if (held.lastSentAt > conf.confirm!.sentAt) return 'repoll';
  const raw = w.doneAt - conf.confirm!.doneAt;
  return { c2a: Math.max(0, raw), bound: w.doneAt - conf.confirm!.sentAt, early: raw < 0 };
}
