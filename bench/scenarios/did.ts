// Dynamic Identifier: the agent holds the line with `did_wait` (a long-poll) while the caller
// confirms the spoken DID in the phone app: POST /app/challenge → sign with the device key
// (src/crypto/device-signature.ts) → POST /app/confirm. The state change commits inside /app/confirm;
// what the caller waits for is the did_wait answer.
//
// confirm-to-answer = (did_wait answer arrived) − (confirm answer arrived), floored at 0: the commit
// happens before the confirm answer is sent, so this is how long after the commit the agent hears,
// less the confirm's own post-commit work and response write. The upper bound, (did_wait answer
// arrived) − (confirm request sent), includes the whole confirm request; both are reported.
import { CALLED_NUMBER, BENCH_AGENT, type BenchDevice } from '../fixtures.js';
import { HttpClient, pool } from '../lib/http.js';
import { readMem, sleep } from '../lib/proc.js';
import { Samples, summarize } from '../lib/stats.js';
import { caughtUp, confirmAsDevice, deviceFor, holdWait, issue, sampleOf, sendPaced, until, type Held } from './did-steps.js';
import { sampler, series, setupConcurrency, tally, uniq, type Ctx, type ScenarioResult } from './types.js';

export async function didConfirm(ctx: Ctx): Promise<ScenarioResult> {
  const K = ctx.settings.didCalls;
  const D = ctx.devices.length;
  if (Math.ceil(K / D) > 15) throw new Error(`did_confirm: ${K} calls need more than ${D} devices (20 confirms per device per minute)`);
  // Each call is identified by caller ID as a customer who has a device; that device confirms it.
  const calls: { callId: string; did: string; device: BenchDevice }[] = [];
  await pool(K, setupConcurrency(ctx, 32), async (i) => {
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
  const held: { done: Promise<Held>; stop(): void }[] = [];
  // Every long-poll written to an established connection and parked on the server before the
  // first confirmation (sent in bursts where the run says so: see sendPaced).
  await sendPaced(ctx, K, (i) => held.push(holdWait(waitClient, ctx, calls[i]!.callId, () => sent++)), () => sent);
  await until(() => sent === K, 20_000);
  await caughtUp(ctx);

  await ctx.measure.begin('did_confirm');
  const rss = sampler(ctx);
  const c2a = new Samples();
  const bound = new Samples();
  const confirmRtt = new Samples();
  const unexpected: Record<string, number> = {};
  let negative = 0;
  let byRepoll = 0;
  const answers: Held[] = [];
  // One device confirmation at a time, while every other call keeps waiting.
  for (let i = 0; i < K; i++) {
    const c = calls[i]!;
    const conf = await confirmAsDevice(ctx, c.device, c.did);
    confirmRtt.push(conf.totalMs);
    if (!conf.ok || !conf.confirm) {
      tally(unexpected, conf.reason ?? 'confirm_failed');
      held[i]!.stop();
      continue;
    }
    const h = await held[i]!.done;
    answers.push(h);
    const s = sampleOf(conf, h);
    if (s === 'repoll') byRepoll++;
    else if ('error' in s) tally(unexpected, s.error);
    else {
      if (s.early) negative++;
      c2a.push(s.c2a);
      bound.push(s.bound);
    }
    if (i % 20 === 0) ctx.progress(`did_confirm: ${i + 1}/${K} confirmed`);
  }
  const mem = rss.stop();
  await ctx.measure.end('did_confirm');
  for (const h of held) h.stop();
  waitClient.close();
  await Promise.allSettled(held.map((h) => h.done));
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
    extra: {
      samples_ms: Array.from(c2a.values(), (v) => Math.round(v * 1000) / 1000),
      did_wait_answered_before_confirm_answer: negative,
      // A wait that ran out (20 s) before its confirmation was sent again, as an agent does; when
      // that re-poll left after the confirm did, it read the confirmed state: no wake, no sample.
      waits_run_out_and_resent: answers.reduce((n, h) => n + h.polls - 1, 0),
      answered_by_a_resent_wait: byRepoll,
      upper_bound_ms: summarize(bound),
      device_round_trip_ms: summarize(confirmRtt),
    },
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
  await pool(N, setupConcurrency(ctx, 64), async (i) => {
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
  const held: { done: Promise<Held>; stop(): void }[] = [];
  const early = new Set<number>();
  let sent = 0;
  const sendStarted = performance.now();
  await sendPaced(
    ctx,
    N,
    (i) => {
      const h = holdWait(waitClient, ctx, uniq(ctx, 'w', i), () => sent++);
      held.push(h);
      // Settled before its confirmation means answered early (a wait that runs out is resent, not settled).
      void h.done.then(() => early.add(i));
    },
    () => sent,
    (k) => ctx.progress(`did_waiting: ${k}/${N} did_wait long-polls sent · server RSS ${Math.round(rss.sample() / 1024)} MB`),
  );
  // All N parked: every request is on an established connection (a SYN dropped by a full accept
  // queue is retried by the kernel after 1 s, 3 s…) and the server has read them all and gone quiet.
  const allSent = await until(() => sent === N, 15_000);
  if (!allSent) tally(answeredEarly, `not_sent_within_15s:${N - sent}`);
  const parked = { idle: await caughtUp(ctx, 15_000), ms: performance.now() - sendStarted };
  ctx.progress(`did_waiting: ${N} long-polls parked after ${(parked.ms / 1000).toFixed(1)} s · server RSS ${Math.round(rss.sample() / 1024)} MB`);
  const heldRssKb = rss.sample();
  const heldBeforeConfirms = N - early.size;
  for (const i of early) {
    const r = (await held[i]!.done).reply;
    tally(answeredEarly, r instanceof Error ? `error:${r.message}` : `http_${r.status}:${/"did_status":"(\w+)"/.exec(r.text)?.[1] ?? 'none'}`);
  }

  // Confirm-to-answer for S of them while all the others keep waiting.
  const c2a = new Samples();
  const bound = new Samples();
  const unexpected: Record<string, number> = {};
  const step = Math.max(1, Math.floor(N / S));
  let byRepoll = 0;
  for (let j = 0; j < S; j++) {
    const i = j * step;
    if (early.has(i)) continue;
    const conf = await confirmAsDevice(ctx, deviceFor(ctx, j), dids[i]!);
    if (!conf.ok || !conf.confirm) {
      tally(unexpected, conf.reason ?? 'confirm_failed');
      continue;
    }
    const sample = sampleOf(conf, await held[i]!.done);
    if (sample === 'repoll') byRepoll++;
    else if ('error' in sample) tally(unexpected, sample.error);
    else {
      c2a.push(sample.c2a);
      bound.push(sample.bound);
    }
    ctx.progress(`did_waiting: ${N} waiting · confirmed ${j + 1}/${S} · server RSS ${Math.round(rss.sample() / 1024)} MB`);
  }
  const mem = rss.stop();
  await ctx.measure.end('did_waiting');
  // The agents hang up: every remaining long-poll is aborted on the server.
  for (const h of held) h.stop();
  waitClient.close();
  const answers = await Promise.all(held.map((h) => h.done));
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
      waits_run_out_and_resent: answers.reduce((n, h) => n + h.polls - 1, 0),
      answered_by_a_resent_wait: byRepoll,
    },
  };
}
