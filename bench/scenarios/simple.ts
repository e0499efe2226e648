// The four request/response scenarios autocannon drives directly (the run's connections, keep-alive):
// the initiation webhook, auth_orchestrator `status`, `otp_verify` with a wrong code, and a
// post-auth tool on an authenticated call.
import { BENCH_AGENT, BENCH_POLICY_AGENT, CALLED_NUMBER } from '../fixtures.js';
import { cannon, type CannonSpec } from '../lib/cannon.js';
import { pool } from '../lib/http.js';
import { enrolCustomers, type BenchCustomer } from '../fixtures.js';
import { convOf, fromCannon, sampler, setupConcurrency, uniq, type Ctx, type ScenarioResult } from './types.js';

/**
 * `n` customers of this scenario's own, enrolled through the admin API after the run's: guesses
 * spent here must not lock the customers the other scenarios play.
 */
async function ownCustomers(ctx: Ctx, n: number): Promise<BenchCustomer[]> {
  ctx.progress(`enrolling ${n} customers of its own`);
  const from = ctx.customers.length;
  return (await enrolCustomers(ctx.client, ctx.admin, from + n, from, ctx.settings.setupConcurrency)).slice(from);
}

/** Warm-up (discarded: JIT, page cache, connection set-up), then the measured run. */
async function warmAndRun(ctx: Ctx, id: string, spec: Omit<CannonSpec, 'url' | 'connections' | 'durationS' | 'onTick'>) {
  const base = { ...spec, url: ctx.url, connections: ctx.settings.connections };
  ctx.progress(`${id}: warm-up ${ctx.settings.warmupS} s`);
  await cannon({ ...base, durationS: ctx.settings.warmupS });
  await ctx.measure.begin(id);
  const rss = sampler(ctx);
  const run = await cannon({
    ...base,
    durationS: ctx.settings.durationS,
    onTick: (n, s) => ctx.progress(`${id}: ${s.toFixed(0)}/${ctx.settings.durationS} s · ${Math.round(n / s).toLocaleString('en-US')} req/s`),
  });
  const mem = rss.stop();
  await ctx.measure.end(id);
  return { run, mem };
}

const auth = (ctx: Ctx) => ({ authorization: `Bearer ${ctx.tool}` });
const expect200 = (status: number, body: string, needle: string, label: string) =>
  status !== 200 ? `http_${status}` : body.includes(needle) ? null : label;

export async function initiation(ctx: Ctx): Promise<ScenarioResult> {
  let n = 0;
  const C = ctx.customers.length;
  const { run, mem } = await warmAndRun(ctx, 'initiation', {
    method: 'POST',
    path: '/elevenlabs/initiation',
    headers: auth(ctx),
    // A new call per request from an enrolled phone; caller ID claims nobody, so the answer is `identify`.
    body: () => {
      const i = n++;
      return JSON.stringify({ call_sid: uniq(ctx, 'i', i), caller_id: ctx.customers[i % C]!.phone, agent_id: BENCH_AGENT, called_number: CALLED_NUMBER });
    },
    check: (s, b) => expect200(s, b, '"auth_next_step":"identify"', 'next_step_not_identify'),
  });
  return fromCannon({ id: 'initiation', title: 'initiation webhook (new call per request)', scale: ctx.scale, connections: ctx.settings.connections }, run, mem);
}

/**
 * Calls created by the initiation webhook, claimed by the caller's member ID (`identify`, which
 * also binds the conversation) as the agent does first, then handed to `then` if given.
 */
async function prepareIdentifiedCalls(
  ctx: Ctx,
  kind: string,
  count: number,
  agentId: string,
  then?: (callId: string) => Promise<void>,
  customers = ctx.customers,
) {
  const C = customers.length;
  const calls: string[] = [];
  let done = 0;
  await pool(count, setupConcurrency(ctx, 32), async (i) => {
    const callId = uniq(ctx, kind, i);
    const customer = customers[i % C]!;
    const init = await ctx.client.json('POST', '/elevenlabs/initiation', {
      bearer: ctx.tool,
      body: { call_sid: callId, caller_id: customer.phone, agent_id: agentId, called_number: CALLED_NUMBER },
    });
    if (init.status !== 200) throw new Error(`prepare ${kind}: initiation answered ${init.status} ${init.text.slice(0, 200)}`);
    const id = await ctx.client.json('POST', '/tools/auth_orchestrator', {
      bearer: ctx.tool,
      body: { call_id: callId, conversation_id: convOf(callId), action: 'identify', account_ref: customer.memberId },
    });
    if (id.status !== 200 || id.body.success !== true) throw new Error(`prepare ${kind}: identify answered ${id.status} ${id.text.slice(0, 200)}`);
    if (then) await then(callId);
    calls[i] = callId;
    if (++done % 200 === 0) ctx.progress(`${kind}: preparing calls ${done}/${count}`);
  });
  return calls;
}

export async function status(ctx: Ctx): Promise<ScenarioResult> {
  const P = ctx.settings.statusPool;
  ctx.progress(`status: preparing ${P} identified calls`);
  const calls = await prepareIdentifiedCalls(ctx, 's', P, BENCH_AGENT);
  let n = 0;
  const { run, mem } = await warmAndRun(ctx, 'status', {
    method: 'POST',
    path: '/tools/auth_orchestrator',
    headers: auth(ctx),
    body: () => {
      const callId = calls[n++ % P]!;
      return JSON.stringify({ call_id: callId, conversation_id: convOf(callId), action: 'status' });
    },
    check: (s, b) => expect200(s, b, '"next_required_step":"otp_send"', 'next_step_not_otp_send'),
  });
  ctx.state.statusRps = run.rps;
  return fromCannon(
    { id: 'status', title: 'auth_orchestrator status (identified call, pre-auth)', scale: ctx.scale, connections: ctx.settings.connections },
    run,
    mem,
    { pool: P },
  );
}

/**
 * Wrong codes on calls with a pending code. The calls use the bench-write-path policy (10 attempts,
 * lockout and burst limits at the schema's maximum) and each call takes at most 8 wrong codes here,
 * so every request is the same write path: reserve an attempt, audit factor_failed, count the failure.
 */
export async function otpVerifyWrong(ctx: Ctx): Promise<ScenarioResult> {
  const expected = (ctx.state.statusRps ?? 2000) * (ctx.settings.warmupS + ctx.settings.durationS) * 1.5;
  const P = Math.max(100, Math.min(20_000, Math.ceil(expected / 8)));
  // Every wrong code spends a guess of its customer's code budget (at most 100 in a row, the
  // schema's ceiling): enough customers of its own that none reaches it (a prepared call takes at
  // most 9 wrong codes), so every request is the same path.
  const people = await ownCustomers(ctx, Math.ceil((P * 9) / 90));
  ctx.progress(`otp_verify: preparing ${P} calls with a pending code over ${people.length} customers`);
  const calls = await prepareIdentifiedCalls(ctx, 'o', P, BENCH_POLICY_AGENT, async (callId) => {
    const sent = await ctx.client.json('POST', '/tools/auth_orchestrator', {
      bearer: ctx.tool,
      body: { call_id: callId, conversation_id: convOf(callId), action: 'otp_send', channel: 'sms' },
    });
    if (sent.status !== 200 || sent.body.success !== true) throw new Error(`prepare otp_verify: otp_send answered ${sent.status} ${sent.text.slice(0, 200)}`);
  }, people);
  let n = 0;
  const { run, mem } = await warmAndRun(ctx, 'otp_verify', {
    method: 'POST',
    path: '/tools/auth_orchestrator',
    headers: auth(ctx),
    body: () => {
      const callId = calls[n++ % P]!;
      // Seven digits: never the six-digit code that was sent, so always a wrong code.
      return JSON.stringify({ call_id: callId, conversation_id: convOf(callId), action: 'otp_verify', code: '1234567' });
    },
    check: (s, b) => expect200(s, b, '"reason":"wrong_code"', 'not_wrong_code'),
  });
  return fromCannon(
    { id: 'otp_verify', title: 'auth_orchestrator otp_verify, wrong code (write path)', scale: ctx.scale, connections: ctx.settings.connections },
    run,
    mem,
    { pool: P, max_codes_per_call: Math.ceil(n / P) },
  );
}

export async function postAuth(ctx: Ctx): Promise<ScenarioResult> {
  const calls = ctx.state.authenticated;
  if (calls.length < 16) throw new Error(`post_auth: only ${calls.length} authenticated calls from the full-call scenario`);
  let n = 0;
  const P = calls.length;
  const { run, mem } = await warmAndRun(ctx, 'post_auth', {
    method: 'POST',
    path: '/tools/post/account_summary',
    headers: auth(ctx),
    body: () => {
      const c = calls[n++ % P]!;
      return JSON.stringify({ call_id: c.callId, conversation_id: c.conversationId });
    },
    check: (s, b) => expect200(s, b, '"success":true', 'refused'),
  });
  return fromCannon(
    { id: 'post_auth', title: 'post-auth tool account_summary (authenticated call)', scale: ctx.scale, connections: ctx.settings.connections },
    run,
    mem,
    { pool: P },
  );
}
