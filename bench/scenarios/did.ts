// Dynamic Identifier: the agent holds the line with `did_wait` (a long-poll) while the caller
// confirms the spoken DID in the phone app: POST /app/challenge → sign with the device key
// (src/crypto/device-signature.ts) → POST /app/confirm. The state change commits inside /app/confirm;
// what the caller waits for is the did_wait answer.
//
// confirm-to-answer = (did_wait answer arrived) − (confirm answer arrived), floored at 0: the commit
// happens before the confirm answer is sent, so this is how long after the commit the agent hears,
// less the confirm's own post-commit work and response write. The upper bound, (did_wait answer
// arrived) − (confirm request sent), includes the whole confirm request; both are reported.
import { confirmMessage, signAsDevice } from '../../src/crypto/device-signature.js';
import { CALLED_NUMBER, BENCH_AGENT, type BenchDevice } from '../fixtures.js';
import { HttpClient, pool, type Reply } from '../lib/http.js';
import { readMem, sleep, waitUntilIdle } from '../lib/proc.js';
import { Samples, summarize } from '../lib/stats.js';
import { convOf, sampler, series, tally, uniq, type Ctx, type ScenarioResult } from './types.js';

const WAIT_SECONDS = 20;

interface Confirmed {
  ok: boolean;
  reason?: string;
  /** The /app/confirm request. */
  confirm?: Reply;
  /** challenge + sign + confirm. */
  totalMs: number;
}

async function confirmAsDevice(ctx: Ctx, device: BenchDevice, did: string): Promise<Confirmed> {
  const t0 = performance.now();
  device.used++;
  const ch = await ctx.client.json('POST', '/app/challenge', { body: { device_id: device.deviceId, did } });
  if (ch.status !== 200) return { ok: false, reason: `challenge:${ch.status}:${String(ch.body.reason ?? '')}`, totalMs: performance.now() - t0 };
  const { session_id, call_binding, nonce } = ch.body as { session_id: string; call_binding: string; nonce: string };
  const signature = await signAsDevice(device.key, confirmMessage({ sessionId: session_id, callBinding: call_binding, did, nonce }));
  const confirm = await ctx.client.json('POST', '/app/confirm', { body: { session_id, device_id: device.deviceId, nonce, signature } });
  const ok = confirm.status === 200 && confirm.body.status === 'confirmed';
  return { ok, ...(ok ? {} : { reason: `confirm:${confirm.status}:${String(confirm.body.reason ?? '')}` }), confirm, totalMs: performance.now() - t0 };
}

async function until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!pred()) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

async function issue(ctx: Ctx, callId: string): Promise<string> {
  const r = await ctx.client.json('POST', '/tools/auth_orchestrator', {
    bearer: ctx.tool,
    body: { call_id: callId, conversation_id: convOf(callId), action: 'did_issue' },
  });
  if (r.status !== 200 || typeof r.body.did !== 'string') throw new Error(`did_issue answered ${r.status} ${r.text.slice(0, 200)}`);
  return r.body.did;
}

function startWait(client: HttpClient, ctx: Ctx, callId: string, onSent?: () => void): Promise<Reply | Error> {
  return client
    .request('POST', '/tools/auth_orchestrator', {
      bearer: ctx.tool,
      body: { call_id: callId, conversation_id: convOf(callId), action: 'did_wait', wait_seconds: WAIT_SECONDS },
      timeoutMs: (WAIT_SECONDS + 10) * 1000,
      ...(onSent ? { onSent } : {}),
    })
    .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
}

/** A device with rate-limit budget left (the server allows 20 challenges and 20 confirms per device per minute). */
function deviceFor(ctx: Ctx, i: number): BenchDevice {
  const D = ctx.devices.length;
  for (let k = 0; k < D; k++) {
    const d = ctx.devices[(i + k) % D]!;
    if (d.used < 18) return d;
  }
  throw new Error('every bench device has used its confirmation budget for this minute');
}

export async function didConfirm(ctx: Ctx): Promise<ScenarioResult> {
  const K = ctx.settings.didCalls;
  const D = ctx.devices.length;
  if (Math.ceil(K / D) > 15) throw new Error(`did_confirm: ${K} calls need more than ${D} devices (20 confirms per device per minute)`);
  // Each call is identified by caller ID as a customer who has a device; that device confirms it.
  const calls: { callId: string; did: string; device: BenchDevice }[] = [];
  await pool(K, 32, async (i) => {
    const device = ctx.devices[i % D]!;
    const callId = uniq(ctx, 'd', i);
    const init = await ctx.client.json('POST', '/elevenlabs/initiation', {
      bearer: ctx.tool,
      body: { call_sid: callId, caller_id: device.customer.phone, agent_id: BENCH_AGENT, called_number: CALLED_NUMBER },
    });
    if (init.status !== 200) throw new Error(`did_confirm: initiation answered ${init.status}`);
    calls[i] = { callId, did: await issue(ctx, callId), device };
  });
  ctx.progress(`did_confirm: ${K} calls issued a DID; holding ${K} did_wait long-polls`);

  const waitClient = new HttpClient(ctx.url, { maxSockets: K + 8 });
  let sent = 0;
  const waits = calls.map((c) => startWait(waitClient, ctx, c.callId, () => sent++));
  // Every long-poll written to an established connection, then parked on the server (its CPU goes
  // quiet), before the first confirmation.
  await until(() => sent === K, 20_000);
  await waitUntilIdle(ctx.pid);

  await ctx.measure.begin('did_confirm');
  const rss = sampler(ctx);
  const c2a = new Samples();
  const bound = new Samples();
  const confirmRtt = new Samples();
  const unexpected: Record<string, number> = {};
  let negative = 0;
  // One device confirmation at a time, while every other call keeps waiting.
  for (let i = 0; i < K; i++) {
    const c = calls[i]!;
    const conf = await confirmAsDevice(ctx, c.device, c.did);
    confirmRtt.push(conf.totalMs);
    if (!conf.ok || !conf.confirm) {
      tally(unexpected, conf.reason ?? 'confirm_failed');
      continue;
    }
    const w = await waits[i]!;
    if (w instanceof Error) {
      tally(unexpected, `did_wait:${w.message}`);
      continue;
    }
    if (w.status !== 200 || !w.text.includes('"did_status":"confirmed"')) tally(unexpected, `did_wait:${w.status}`);
    const raw = w.doneAt - conf.confirm.doneAt;
    if (raw < 0) negative++;
    c2a.push(Math.max(0, raw));
    bound.push(w.doneAt - conf.confirm.sentAt);
    if (i % 20 === 0) ctx.progress(`did_confirm: ${i + 1}/${K} confirmed`);
  }
  const mem = rss.stop();
  await ctx.measure.end('did_confirm');
  waitClient.close();
  const unexpectedTotal = Object.values(unexpected).reduce((a, b) => a + b, 0);
  const main = series('confirm-to-answer', c2a);
  return {
    id: 'did_confirm',
    title: `DID confirm-to-answer (${K} calls long-polling did_wait, a device confirms each in turn)`,
    scale: ctx.scale,
    connections: K,
    durationS: 0,
    requests: K,
    rps: 0,
    latency: main.latency,
    latencyLabel: 'confirm answer → did_wait answer',
    hist: main.hist,
    errors: { total: unexpectedTotal, connErrors: 0, timeouts: 0, non2xx: 0, unexpected },
    rss: { startMb: mem.startMb, peakMb: mem.peakMb, endMb: mem.endMb, hwmMb: mem.hwmMb },
    series: [series('upper bound: confirm request sent → did_wait answer', bound), series('device round trip (challenge + sign + confirm)', confirmRtt)],
    extra: { samples_ms: Array.from(c2a.values(), (v) => Math.round(v * 1000) / 1000), did_wait_answered_before_confirm_answer: negative, upper_bound_ms: summarize(bound), device_round_trip_ms: summarize(confirmRtt) },
  };
}

/**
 * Memory with N calls waiting on a DID at once: N did_issue, then N did_wait long-polls held
 * together (one socket each), RSS sampled; while they all wait, a sample of them is confirmed by
 * devices (confirm-to-answer under that load); then the waiting clients hang up.
 */
export async function didWaiting(ctx: Ctx): Promise<ScenarioResult> {
  const N = ctx.settings.waitingCalls;
  const S = Math.min(ctx.settings.waitingConfirms, N);
  const dids: string[] = [];
  let issued = 0;
  await pool(N, 64, async (i) => {
    dids[i] = await issue(ctx, uniq(ctx, 'w', i));
    if (++issued % 500 === 0) ctx.progress(`did_waiting: ${issued}/${N} calls issued a DID`);
  });
  await sleep(500);
  const before = readMem(ctx.pid);
  await ctx.measure.begin('did_waiting');
  const rss = sampler(ctx);
  // One socket per long-poll, as N separate agents' tool calls would arrive.
  const waitClient = new HttpClient(ctx.url, { maxSockets: Infinity, keepAlive: false });
  const answeredEarly: Record<string, number> = {};
  const waits: Promise<Reply | Error>[] = [];
  const early = new Set<number>();
  let sent = 0;
  const sendStarted = performance.now();
  for (let i = 0; i < N; i++) {
    const idx = i;
    waits.push(
      startWait(waitClient, ctx, uniq(ctx, 'w', i), () => sent++).then((r) => {
        early.add(idx);
        return r;
      }),
    );
    if (i % 250 === 249) {
      ctx.progress(`did_waiting: ${i + 1}/${N} did_wait long-polls sent · server RSS ${Math.round(rss.sample() / 1024)} MB`);
      await sleep(25);
    }
  }
  // All N parked: every request is on an established connection (a SYN dropped by a full accept
  // queue is retried by the kernel after 1 s, 3 s…) and the server has read them all and gone quiet.
  const allSent = await until(() => sent === N, 15_000);
  if (!allSent) tally(answeredEarly, `not_sent_within_15s:${N - sent}`);
  const idle = await waitUntilIdle(ctx.pid, { timeoutMs: 15_000 });
  const parked = { ms: performance.now() - sendStarted, idle: idle.idle };
  ctx.progress(`did_waiting: ${N} long-polls parked after ${(parked.ms / 1000).toFixed(1)} s · server RSS ${Math.round(rss.sample() / 1024)} MB`);
  const heldRssKb = rss.sample();
  const heldBeforeConfirms = N - early.size;
  for (const i of early) {
    const r = await waits[i]!;
    tally(answeredEarly, r instanceof Error ? `error:${r.message}` : `http_${r.status}`);
  }

  // Confirm-to-answer for S of them while all the others keep waiting.
  const c2a = new Samples();
  const bound = new Samples();
  const unexpected: Record<string, number> = {};
  const step = Math.max(1, Math.floor(N / S));
  for (let j = 0; j < S; j++) {
    const i = j * step;
    if (early.has(i)) continue;
    const conf = await confirmAsDevice(ctx, deviceFor(ctx, j), dids[i]!);
    if (!conf.ok || !conf.confirm) {
      tally(unexpected, conf.reason ?? 'confirm_failed');
      continue;
    }
    const w = await waits[i]!;
    if (w instanceof Error || w.status !== 200 || !w.text.includes('"did_status":"confirmed"')) {
      tally(unexpected, w instanceof Error ? `did_wait:${w.message}` : `did_wait:${w.status}`);
      continue;
    }
    c2a.push(Math.max(0, w.doneAt - conf.confirm.doneAt));
    bound.push(w.doneAt - conf.confirm.sentAt);
    ctx.progress(`did_waiting: ${N} waiting · confirmed ${j + 1}/${S} · server RSS ${Math.round(rss.sample() / 1024)} MB`);
  }
  const mem = rss.stop();
  await ctx.measure.end('did_waiting');
  // The agents hang up: every remaining long-poll is aborted on the server.
  waitClient.close();
  await Promise.allSettled(waits);
  await sleep(500);
  const health = await ctx.client.request('GET', '/healthz').catch(() => undefined);
  if (health?.status !== 200) tally(unexpected, 'server_unhealthy_after');
  for (const [k, v] of Object.entries(answeredEarly)) unexpected[`answered_before_confirm:${k}`] = v;
  const unexpectedTotal = Object.values(unexpected).reduce((a, b) => a + b, 0);
  const main = series('confirm-to-answer', c2a);
  const beforeMb = Math.round(((before?.rssKb ?? 0) / 1024) * 10) / 10;
  return {
    id: 'did_waiting',
    title: `${N.toLocaleString('en-US')} calls waiting on a DID at once (memory; ${S} confirmed meanwhile)`,
    scale: ctx.scale,
    connections: N,
    durationS: 0,
    requests: N,
    rps: 0,
    latency: main.latency,
    latencyLabel: `confirm-to-answer with ${N} waiting`,
    hist: main.hist,
    errors: { total: unexpectedTotal, connErrors: 0, timeouts: 0, non2xx: 0, unexpected },
    rss: { startMb: mem.startMb, peakMb: mem.peakMb, endMb: mem.endMb, hwmMb: mem.hwmMb },
    series: [series('upper bound: confirm request sent → did_wait answer', bound)],
    extra: {
      samples_ms: Array.from(c2a.values(), (v) => Math.round(v * 1000) / 1000),
      waiting: N,
      held_at_once: heldBeforeConfirms,
      seconds_to_park_all: Math.round(parked.ms / 100) / 10,
      server_went_idle: parked.idle,
      rss_before_waits_mb: beforeMb,
      rss_all_waiting_mb: Math.round((heldRssKb / 1024) * 10) / 10,
      kb_per_waiting_call: Math.round((heldRssKb - (before?.rssKb ?? 0)) / Math.max(1, heldBeforeConfirms)),
    },
  };
}
