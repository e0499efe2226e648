// Push approval: the agent holds the line with `push_wait` (a long-poll) while the caller taps the
// spoken number in the phone app: GET /app/push/pending (signed) → sign → POST /app/push/approve.
// The state change commits inside /app/push/approve; what the caller waits for is the push_wait
// answer.
//
// approve-to-answer = (push_wait answer arrived) − (approve answer arrived), floored at 0, as the
// DID's confirm-to-answer; the upper bound, (push_wait answer arrived) − (approve request sent),
// includes the whole approve request. Both are reported.
import { approveBody, pollQuery, registerBody, type AppChallenge } from '../../src/factors/push/app-device.js';
import { BENCH_AGENT, type BenchDevice } from '../fixtures.js';
import { HttpClient } from '../lib/http.js';
import { Samples, summarize } from '../lib/stats.js';
import { convOf, sampler, series, tally, uniq, type Ctx, type ScenarioResult } from './types.js';

/** The line bench/policies/bench-push.yaml applies to. */
const PUSH_LINE = '+18005550198';
const WAIT_SECONDS = 20;

async function tool(ctx: Ctx, callId: string, action: string, args: Record<string, unknown> = {}) {
  return ctx.client.json('POST', '/tools/auth_orchestrator', { bearer: ctx.tool, body: { call_id: callId, conversation_id: convOf(callId), action, ...args } });
}

async function register(ctx: Ctx, d: BenchDevice) {
  const r = await ctx.client.json('POST', '/app/push/register', { body: await registerBody(d.key, { deviceId: d.deviceId, transport: 'pull' }, Date.now()) });
  if (r.status !== 200) throw new Error(`push register ${d.deviceId}: ${r.status} ${r.text.slice(0, 200)}`);
}

export async function pushApprove(ctx: Ctx): Promise<ScenarioResult> {
  const K = ctx.settings.didCalls;
  const D = ctx.devices.length;
  for (const d of ctx.devices) await register(ctx, d);
  const waitClient = new HttpClient(ctx.url, { maxSockets: 4 });
  await ctx.measure.begin('push_approve');
  const rss = sampler(ctx);
  const a2a = new Samples();
  const bound = new Samples();
  const deviceRtt = new Samples();
  const unexpected: Record<string, number> = {};
  let negative = 0;
  // One call at a time: a customer has at most one pending push, whichever call sent it.
  for (let i = 0; i < K; i++) {
    const d = ctx.devices[i % D]!;
    const callId = uniq(ctx, 'p', i);
    const init = await ctx.client.json('POST', '/elevenlabs/initiation', {
      bearer: ctx.tool,
      body: { call_sid: callId, caller_id: d.customer.phone, agent_id: BENCH_AGENT, called_number: PUSH_LINE },
    });
    if (init.status !== 200) throw new Error(`push_approve: initiation answered ${init.status}`);
    await tool(ctx, callId, 'identify', { account_ref: d.customer.memberId });
    const sent = await tool(ctx, callId, 'push_send');
    const number = sent.body.push_number;
    if (typeof number !== 'string') {
      tally(unexpected, `push_send:${String(sent.body.reason)}`);
      continue;
    }
    const wait = waitClient
      .request('POST', '/tools/auth_orchestrator', {
        bearer: ctx.tool,
        body: { call_id: callId, conversation_id: convOf(callId), action: 'push_wait', wait_seconds: WAIT_SECONDS },
        timeoutMs: (WAIT_SECONDS + 10) * 1000,
      })
      .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    const t0 = performance.now();
    const polled = await ctx.client.json('GET', `/app/push/pending?${await pollQuery(d.key, d.deviceId, Date.now())}`);
    const c = (polled.body.challenges as AppChallenge[] | undefined)?.[0];
    if (!c) {
      tally(unexpected, `pending:${polled.status}`);
      continue;
    }
    const approved = await ctx.client.json('POST', '/app/push/approve', { body: await approveBody(d.key, d.deviceId, c, number) });
    deviceRtt.push(performance.now() - t0);
    if (approved.status !== 200) {
      tally(unexpected, `approve:${approved.status}:${String(approved.body.reason)}`);
      continue;
    }
    const w = await wait;
    if (w instanceof Error || w.status !== 200 || !w.text.includes('"push_status":"approved"')) {
      tally(unexpected, w instanceof Error ? `push_wait:${w.message}` : `push_wait:${w.status}`);
      continue;
    }
    const raw = w.doneAt - approved.doneAt;
    if (raw < 0) negative++;
    a2a.push(Math.max(0, raw));
    bound.push(w.doneAt - approved.sentAt);
    if (i % 20 === 0) ctx.progress(`push_approve: ${i + 1}/${K} approved`);
  }
  const mem = rss.stop();
  await ctx.measure.end('push_approve');
  waitClient.close();
  const unexpectedTotal = Object.values(unexpected).reduce((a, b) => a + b, 0);
  const main = series('approve-to-answer', a2a);
  return {
    id: 'push_approve',
    title: `Push approve-to-answer (${K} calls, each holding push_wait while the device approves)`,
    scale: ctx.scale,
    connections: 1,
    durationS: 0,
    requests: K,
    rps: 0,
    latency: main.latency,
    latencyLabel: 'approve answer → push_wait answer',
    hist: main.hist,
    errors: { total: unexpectedTotal, connErrors: 0, timeouts: 0, non2xx: 0, unexpected },
    rss: { startMb: mem.startMb, peakMb: mem.peakMb, endMb: mem.endMb, hwmMb: mem.hwmMb },
    series: [series('upper bound: approve request sent → push_wait answer', bound), series('device round trip (poll + sign + approve)', deviceRtt)],
    extra: { samples_ms: Array.from(a2a.values(), (v) => Math.round(v * 1000) / 1000), push_wait_answered_before_approve_answer: negative, upper_bound_ms: summarize(bound), device_round_trip_ms: summarize(deviceRtt) },
  };
}
