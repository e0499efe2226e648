// A whole call, many at once: `connections` callers, each playing calls back to back for the
// duration, exactly as ElevenLabs drives one: initiation → identify → otp_send → (the caller reads
// the SMS: GET /admin/outbox, the dev console sender's outbox) → otp_verify → account_summary.
// Per-step latency, and the whole call as the sum of its five service steps (the outbox read is the
// harness standing in for the caller's phone and is reported apart).
import { BENCH_AGENT, CALLED_NUMBER } from '../fixtures.js';
import { Samples, summarize } from '../lib/stats.js';
import { convOf, perRequest, sampler, series, tally, uniq, type Ctx, type ScenarioResult } from './types.js';

const STEPS = ['initiation', 'identify', 'otp_send', 'otp_verify', 'account_summary'] as const;

export async function fullCall(ctx: Ctx): Promise<ScenarioResult> {
  const perStep = Object.fromEntries(STEPS.map((s) => [s, new Samples()])) as Record<(typeof STEPS)[number], Samples>;
  const outbox = new Samples();
  const whole = new Samples();
  const all = new Samples();
  const unexpected: Record<string, number> = {};
  let connErrors = 0;
  let calls = 0;
  let requests = 0;
  let n = 0;
  const C = ctx.customers.length;
  const authenticated: { callId: string; conversationId: string }[] = [];

  const playOne = async (record: boolean) => {
    const i = n++;
    const callId = uniq(ctx, 'f', i);
    const conversationId = convOf(callId);
    const customer = ctx.customers[i % C]!;
    let sum = 0;
    const step = async (name: (typeof STEPS)[number], path: string, body: Record<string, unknown>, ok: (b: Record<string, any>) => boolean) => {
      const r = await ctx.client.json('POST', path, { bearer: ctx.tool, body });
      requests++;
      if (record) {
        perStep[name].push(r.ms);
        all.push(r.ms);
      }
      sum += r.ms;
      if (r.status !== 200 || !ok(r.body)) {
        if (record) tally(unexpected, `${name}:${r.status !== 200 ? `http_${r.status}` : String(r.body.reason ?? 'unexpected')}`);
        return false;
      }
      return r.body;
    };
    const orch = (name: (typeof STEPS)[number], args: Record<string, unknown>, ok: (b: Record<string, any>) => boolean) =>
      step(name, '/tools/auth_orchestrator', { call_id: callId, conversation_id: conversationId, ...args }, ok);

    if (!(await step('initiation', '/elevenlabs/initiation', { call_sid: callId, caller_id: customer.phone, agent_id: BENCH_AGENT, called_number: CALLED_NUMBER }, (b) => b.dynamic_variables?.auth_status === 'pending')))
      return;
    if (!(await orch('identify', { action: 'identify', account_ref: customer.memberId }, (b) => b.success === true && b.next_required_step === 'otp_send'))) return;
    if (!(await orch('otp_send', { action: 'otp_send', channel: 'sms' }, (b) => b.success === true))) return;
    const box = await ctx.client.json<{ messages?: { call_id: string; code: string }[] }>('GET', '/admin/outbox', { bearer: ctx.admin });
    requests++;
    if (record) outbox.push(box.ms);
    const code = box.body.messages?.find((m) => m.call_id === callId)?.code;
    if (!code) {
      if (record) tally(unexpected, 'outbox:no_code');
      return;
    }
    if (!(await orch('otp_verify', { action: 'otp_verify', code }, (b) => b.success === true && b.privileged_allowed === true))) return;
    if (!(await step('account_summary', '/tools/post/account_summary', { call_id: callId, conversation_id: conversationId }, (b) => b.success === true))) return;
    authenticated.push({ callId, conversationId });
    if (record) {
      whole.push(sum);
      calls++;
    }
  };

  const runFor = async (seconds: number, record: boolean, onTick?: (s: number) => void) => {
    const until = performance.now() + seconds * 1000;
    const started = performance.now();
    const timer = onTick ? setInterval(() => onTick((performance.now() - started) / 1000), 1000) : undefined;
    await Promise.all(
      Array.from({ length: ctx.settings.connections }, async () => {
        while (performance.now() < until) {
          try {
            await playOne(record);
          } catch {
            connErrors++;
          }
        }
      }),
    );
    if (timer) clearInterval(timer);
    return (performance.now() - started) / 1000;
  };

  ctx.progress(`full_call: warm-up ${ctx.settings.warmupS} s`);
  await runFor(ctx.settings.warmupS, false);
  await ctx.measure.begin('full_call');
  const rss = sampler(ctx);
  const before = requests;
  const elapsed = await runFor(ctx.settings.fullCallS, true, (s) =>
    ctx.progress(`full_call: ${s.toFixed(0)}/${ctx.settings.fullCallS} s · ${Math.round(calls / s)} calls/s`),
  );
  const mem = rss.stop();
  await ctx.measure.end('full_call');
  ctx.state.authenticated = authenticated;

  const unexpectedTotal = Object.values(unexpected).reduce((a, b) => a + b, 0);
  const stepSeries = STEPS.map((s) => series(`step ${s}`, perStep[s]));
  return {
    id: 'full_call',
    title: 'full call: initiation → identify → otp_send → otp_verify → account_summary',
    scale: ctx.scale,
    connections: ctx.settings.connections,
    durationS: Math.round(elapsed * 10) / 10,
    requests: requests - before,
    rps: Math.round((requests - before) / elapsed),
    latency: summarize(all),
    latencyLabel: 'per request (the five service steps)',
    hist: series('all', all).hist,
    errors: { total: unexpectedTotal + connErrors, connErrors, timeouts: 0, non2xx: 0, unexpected },
    rss: { startMb: mem.startMb, peakMb: mem.peakMb, endMb: mem.endMb, hwmMb: mem.hwmMb },
    perRequest: perRequest(mem, requests - before),
    series: [series('whole call (sum of the five steps)', whole), ...stepSeries, series('GET /admin/outbox (harness: the caller reads the SMS)', outbox)],
    extra: { calls_completed: calls, calls_per_s: Math.round((calls / elapsed) * 10) / 10, whole_call_ms: summarize(whole) },
  };
}
