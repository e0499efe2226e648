// One call, as ElevenLabs would drive it: the Call client prints each request and its one-line
// answer, checks the answer against its expectation, and remembers what the caller said aloud so
// the audit trail can be searched for it. Also the small helpers several scenarios share.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../kernel/ports.js';
import { SIGNATURE_HEADER } from '../../crypto/signature.js';
import { postScreenResult } from '../../providers/voxeq/simulator.js';
import type { ScreenResult } from '../../providers/voxeq/types.js';
import type { HttpClient, JsonResponse } from '../http-client.js';
import { CallAborted, mismatches, present, type Checks, type Expectation, type Json } from './expect.js';
import { bold, dim, green, out, red, shortSignature, showBody, yellow } from './print.js';
import { decision, screenSummary, toolSummary } from './summaries.js';

export interface DemoEnv {
  http: HttpClient;
  toolSecret: string;
  adminToken: string;
  checks: Checks;
  /** The server's clock: moved forward by `advance`, read by `now` (epoch ms). */
  clock: { advance(seconds: number): void; now(): number };
  /** Long-polls the server is holding right now (did_wait, ?wait=). */
  longPolls: () => number;
  /** The fraud screen's push endpoint and its signing secret (VOXEQ_WEBHOOK_SECRET), and the server's clock to sign with. */
  voxeq: { url: string; secret: string; clock: Clock };
  /** The server's log lines so far with `"stream":"fraud_ops"` for one call, parsed. */
  fraudOps: (callId: string) => Json[];
}

/** One signed screen delivery exactly as it went over the wire (for printing, and for a replay). */
export interface SignedDelivery {
  signature: string;
  body: string;
}

export class Call {
  private n = 0;
  /** Codes and answers this call said aloud: none may ever appear in the audit trail. */
  readonly spoken = new Set<string>();

  constructor(
    private readonly env: DemoEnv,
    readonly callId: string,
    readonly conversationId: string,
  ) {}

  private async send(method: 'GET' | 'POST', path: string, body: unknown, bearer: string): Promise<JsonResponse<Json>> {
    this.n++;
    out(`${String(this.n).padStart(2)} ${bold('→')} ${method} ${path}${dim(showBody(body))}`);
    const res = await this.env.http.request<Json>(method, path, { bearer, ...(body !== undefined ? { body } : {}) });
    if (res.status >= 500) this.env.checks.record(`${method} ${path}`, [`server error ${res.status} ${res.text.slice(0, 200)}`]);
    return res;
  }

  private answer(res: JsonResponse<Json>, summary: string, step: string, expect: Expectation): JsonResponse<Json> {
    const bad = mismatches(res, expect);
    const mark = bad.length === 0 ? green('✓') : red('✗');
    const status = res.status < 300 ? green(String(res.status)) : res.status < 500 ? yellow(String(res.status)) : red(String(res.status));
    out(`   ${bold('←')} ${status} ${summary} ${mark}`);
    this.env.checks.record(step, bad);
    return res;
  }

  async initiation(callerId: string, expect: Expectation, calledNumber = '+18005550100'): Promise<JsonResponse<Json>> {
    const body = { caller_id: callerId, agent_id: 'agent_demo', called_number: calledNumber, call_sid: this.callId };
    const res = await this.send('POST', '/elevenlabs/initiation', body, this.env.toolSecret);
    const v = (res.body.dynamic_variables ?? {}) as Json;
    const summary = `status=${v.auth_status} tier=${v.auth_risk_tier} next=${v.auth_next_step} privileged=${v.auth_privileged_allowed}`;
    return this.answer(res, summary, `initiation ${this.callId}`, expect);
  }

  async orchestrate(args: Json, expect: Expectation): Promise<JsonResponse<Json>> {
    const body = { call_id: this.callId, conversation_id: this.conversationId, ...args };
    const res = await this.send('POST', '/tools/auth_orchestrator', body, this.env.toolSecret);
    return this.answer(res, decision(res.body), `auth_orchestrator ${args.action} (${this.callId})`, expect);
  }

  /**
   * Sends an orchestrator request without waiting for it (a long-poll): the request line is printed
   * now, the answer and its checks when `finish` is called. `arrivedAt` is when the answer arrived.
   */
  begin(args: Json): { answered: Promise<{ res: JsonResponse<Json>; arrivedAt: number }>; finish(res: JsonResponse<Json>, expect: Expectation): JsonResponse<Json> } {
    const body = { call_id: this.callId, conversation_id: this.conversationId, ...args };
    const answered = this.send('POST', '/tools/auth_orchestrator', body, this.env.toolSecret).then((res) => ({ res, arrivedAt: performance.now() }));
    // A network error surfaces where `answered` is awaited; it must not crash the process before that.
    answered.catch(() => {});
    return {
      answered,
      finish: (res, expect) => this.answer(res, decision(res.body), `auth_orchestrator ${args.action} (${this.callId})`, expect),
    };
  }

  async tool(name: string, args: Json, expect: Expectation): Promise<JsonResponse<Json>> {
    const body = { call_id: this.callId, conversation_id: this.conversationId, ...args };
    const res = await this.send('POST', `/tools/post/${name}`, body, this.env.toolSecret);
    return this.answer(res, toolSummary(name, res.body), `tool ${name} (${this.callId})`, expect);
  }

  /** The caller looks at their phone: the newest code the console sender "sent" for this call. */
  async readSms(): Promise<string> {
    const res = await this.send('GET', '/admin/outbox', undefined, this.env.adminToken);
    const messages = (res.body.messages ?? []) as Json[];
    const msg = messages.find((m) => m.call_id === this.callId);
    const code = typeof msg?.code === 'string' ? msg.code : undefined;
    const summary = msg
      ? `newest ${msg.channel === 'sms' ? 'SMS' : 'e-mail'} for this call, to …${String(msg.to).slice(-2)}: code ${bold(String(msg.code))}`
      : 'no message for this call';
    this.answer(res, summary, `outbox (${this.callId})`, { http: 200, 'messages.0.code': present });
    if (!code) throw new CallAborted(`no code in the outbox for ${this.callId}`);
    return code;
  }

  /**
   * VoxEQ posts a verdict for this call to POST /voxeq/results, signed by the
   * simulator's postScreenResult; the request is recorded on its way out so the transcript shows
   * what was signed, and a replay can send exactly the same bytes.
   */
  async screen(result: ScreenResult, expect: Expectation): Promise<{ res: JsonResponse<Json>; delivery: SignedDelivery | undefined }> {
    let delivery: SignedDelivery | undefined;
    const recording = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const headers = new Headers(init?.headers);
      delivery = { signature: headers.get(SIGNATURE_HEADER) ?? '', body: typeof init?.body === 'string' ? init.body : '' };
      this.n++;
      out(`${String(this.n).padStart(2)} ${bold('→')} POST ${new URL(String(input instanceof Request ? input.url : input)).pathname} ${SIGNATURE_HEADER}: ${shortSignature(delivery.signature)}${dim(` ${delivery.body}`)}`);
      return fetch(input, init);
    };
    const { url, secret, clock } = this.env.voxeq;
    const outcome = await postScreenResult(url, secret, result, { clock, fetch: recording });
    let res: JsonResponse<Json>;
    if ('status' in outcome && outcome.status !== undefined) {
      const body = (outcome.body && typeof outcome.body === 'object' ? outcome.body : {}) as Json;
      res = { status: outcome.status, body, text: JSON.stringify(outcome.body ?? '') };
    } else {
      const why = outcome.ok ? 'no status' : `${outcome.reason}: ${outcome.detail}`;
      res = { status: 0, body: {}, text: '' };
      this.env.checks.record(`POST /voxeq/results (${this.callId})`, [`the delivery failed (${why})`]);
    }
    if (res.status >= 500) this.env.checks.record(`POST /voxeq/results (${this.callId})`, [`server error ${res.status} ${res.text.slice(0, 200)}`]);
    this.answer(res, screenSummary(res.body), `voxeq ${result.risk}${result.watch_list ? ' watch_list' : ''} (${this.callId})`, expect);
    return { res, delivery };
  }

  /** Sends a recorded delivery again, byte for byte: same signature header, same body. */
  async replay(delivery: SignedDelivery, expect: Expectation): Promise<JsonResponse<Json>> {
    this.n++;
    out(`${String(this.n).padStart(2)} ${bold('→')} POST /voxeq/results ${SIGNATURE_HEADER}: ${shortSignature(delivery.signature)}${dim(` ${delivery.body}`)} ${dim('(the same bytes again)')}`);
    const r = await fetch(this.env.voxeq.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', [SIGNATURE_HEADER]: delivery.signature },
      body: delivery.body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await r.text();
    let body: Json = {};
    try {
      body = JSON.parse(text) as Json;
    } catch {
      body = { non_json_body: text.slice(0, 200) };
    }
    const res = { status: r.status, body, text };
    return this.answer(res, screenSummary(body), `voxeq replay (${this.callId})`, expect);
  }

  async audit(): Promise<Json> {
    const res = await this.env.http.request<Json>('GET', `/admin/calls/${encodeURIComponent(this.callId)}`, { bearer: this.env.adminToken });
    if (res.status !== 200) {
      this.env.checks.record(`audit ${this.callId}`, [`GET /admin/calls/${this.callId} answered ${res.status}`]);
      return {};
    }
    // Codes and answers are stored only as keyed hashes: none may appear anywhere in the trail.
    const leaks = [...this.spoken].filter((s) => (/^\d+$/.test(s) ? res.text.includes(`"${s}"`) : res.text.toLowerCase().includes(s.toLowerCase())));
    this.env.checks.record(`audit ${this.callId}`, leaks.map((s) => `a spoken code or answer (${s.length} chars) appears in the audit trail`));
    return res.body;
  }
}

/** A phone key the demo enrolled for one customer with the device simulator. */
export interface DemoDevice {
  deviceId: string;
  customerId: string;
  /** The temporary folder holding the key file. */
  deviceDir: string;
}

/** A call that goes into the audit summary at the end. */
export interface Tracked {
  label: string;
  call: Call;
  expect: { status: string; types: string[] };
}

const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');
export const newCallSid = () => `CA${randomHex(16)}`;
export const newConversationId = () => `conv_${randomHex(10)}`;

/** The caller misreads one digit. */
export function misread(code: string): string {
  const last = Number(code.at(-1) ?? '0');
  return `${code.slice(0, -1)}${(last + 1) % 10}`;
}
export function wrongAnswer(answer: string): string {
  return /^\d+$/.test(answer) ? String(Number(answer) + 7) : 'Manchester';
}

/** How long the agent's did_wait may hold (wait_seconds allows up to 20 s). */
export const DID_WAIT_SECONDS = 15;

/** Polls `pred` every few ms until it holds or `timeoutMs` pass. */
export async function until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!pred()) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** The newest code sent for a call, read without a request line: it is on the victim's phone, the fraudster never sees it. */
export async function peekCode(env: DemoEnv, call: Call): Promise<string> {
  const res = await env.http.request<Json>('GET', '/admin/outbox', { bearer: env.adminToken });
  const msg = ((res.body.messages ?? []) as Json[]).find((m) => m.call_id === call.callId);
  if (typeof msg?.code !== 'string') throw new CallAborted(`no code in the outbox for ${call.callId}`);
  return msg.code;
}

/** Codes the dev outbox holds for one destination (every send of this demo is inside the limit's window). */
export async function sentTo(env: DemoEnv, to: string): Promise<number> {
  const res = await env.http.request<Json>('GET', '/admin/outbox', { bearer: env.adminToken });
  return ((res.body.messages ?? []) as Json[]).filter((m) => m.to === to).length;
}

/** The last audit event of a type for a call, printed with the fields named. */
export async function showAuditEvent(call: Call, type: string, fields: string[]): Promise<Json | undefined> {
  const trail = await call.audit();
  const e = ((trail.events ?? []) as Json[]).filter((x) => x.type === type).at(-1);
  const time = (x: unknown) => (typeof x === 'number' ? `${new Date(x).toISOString().slice(11, 19)}Z` : JSON.stringify(x));
  if (e) out(`   ${bold('audit')} ${dim(`GET /admin/calls/${call.callId}:`)} ${bold(type)} ${fields.map((f) => `${f}=${f.endsWith('_until') ? time(e[f]) : JSON.stringify(e[f])}`).join(' ')}`);
  return e;
}
