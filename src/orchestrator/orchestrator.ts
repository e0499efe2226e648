import { identify } from '../factors/identify.js';
import { kbaQuestion, kbaVerify } from '../factors/kba.js';
import { otpSend, otpVerify } from '../factors/otp.js';
import { totpVerify } from '../factors/totp.js';
import { didCancel, didIssue, didWait, didWaitSeconds } from '../factors/did/steps.js';
import { waitForSession } from '../factors/did/sessions.js';
import { checkScreenDeadline, screenStep } from '../factors/screen.js';
import { applyHostSession } from '../factors/host-session-step.js';
import { LIVE } from '../store/calls.js';
import type { CallRow } from '../store/schema/calls.js';
import { orchestratorAnswer } from './answer.js';
import { nextStep, type NextStep } from './next-step.js';
import type { Action, OrchestratorRequest } from './request.js';
import { recordFailedCheck } from './failures.js';
import { ensureCall } from './ensure-call.js';
import { closeCall, settle } from './settle.js';
import { settleGuess, takeGuess } from './guesses.js';
import type { GuessFamily } from '../store/schema/budgets.js';
import { fail, ok, policyFor, type Services, type StepContext, type StepResult } from './services.js';

type Step = (ctx: StepContext, req: OrchestratorRequest) => Promise<StepResult>;

/** Action → sub-tool. Each returns an explicit Boolean; none decides the call's status. */
const STEPS: Record<Action, Step> = {
  status: async () => ok(),
  identify: (ctx, r) => identify(ctx, r.account_ref!),
  otp_send: (ctx, r) => otpSend(ctx, r.channel as 'sms' | 'email'),
  otp_verify: (ctx, r) => (r.channel === 'app' ? totpVerify(ctx, r.code!) : otpVerify(ctx, r.code!)),
  kba_question: (ctx, r) => kbaQuestion(ctx, r.level!),
  kba_verify: (ctx, r) => kbaVerify(ctx, r.question_id!, r.answer!),
  // The caller asked for a person: close the call with a packet for whoever takes it.
  handoff: async ({ s, call, policy, now }) => {
    await closeCall(s, call, policy, 'requested', now);
    return ok();
  },
  did_issue: (ctx) => didIssue(ctx),
  did_wait: (ctx) => didWait(ctx),
  did_cancel: (ctx) => didCancel(ctx),
  screen: (ctx) => screenStep(ctx),
};

/** Actions that check a guess: each takes one from the claimed customer's budget first. */
const GUESSES: Partial<Record<Action, GuessFamily>> = { otp_verify: 'code', kba_verify: 'knowledge' };
/** Actions that start a challenge: refused while the family is locked (no code sent, no question asked). */
const STARTS: Partial<Record<Action, GuessFamily>> = { otp_send: 'code', kba_question: 'knowledge', did_issue: 'did' };

/** Past the budget a factor answers `locked`, whatever was said: a right answer is refused too. */
const LOCKED = fail('locked', { remaining_attempts: 0 });

/** After a successful send or question the obvious next step is to check what the caller says. */
function followUp(action: Action, req: OrchestratorRequest, result: StepResult): NextStep | undefined {
  if (action === 'did_wait' && result.reason === 'pending') return { step: 'did_wait' };
  if (!result.success) return undefined;
  if (action === 'otp_send') return { step: 'otp_verify', args: { channel: req.channel! } };
  if (action === 'did_issue') return { step: 'did_wait' };
  if (action === 'kba_question') return { step: 'kba_verify', args: { question_id: (result.extra?.question as { id: string }).id } };
  return undefined;
}

/**
 * Runs the action behind the claimed customer's guess budget: a guess is taken before it is
 * checked and settled by what the check found; a challenge is not started while its family is
 * locked. Unclaimed calls have nothing to guess against yet.
 */
async function guarded(ctx: StepContext, req: OrchestratorRequest): Promise<StepResult> {
  const { s, call, policy, now } = ctx;
  const customerId = call.customerId;
  // An answer to a question this call was never asked checks nothing: no guess is taken (so a
  // flood of them cannot fill the budget while in flight).
  const asked = req.action !== 'kba_verify' || Object.values(call.kbaAsked).includes(req.question_id ?? '');
  const guessFamily = asked ? GUESSES[req.action] : undefined;
  if (customerId && guessFamily) {
    const taken = await takeGuess(s, call.id, customerId, guessFamily, policy, now);
    if (!taken) return LOCKED;
    const result = await STEPS[req.action](ctx, req);
    await settleGuess(s, call.id, customerId, guessFamily, taken, result, now);
    return result;
  }
  const startFamily = STARTS[req.action];
  if (customerId && startFamily && (await s.budgets.locked(customerId, now)).has(startFamily)) return LOCKED;
  return STEPS[req.action](ctx, req);
}

export function createOrchestrator(s: Services) {
  /** Loads (or, for web/app sessions without an initiation webhook, creates) the call and binds its conversation. */
  async function load(req: OrchestratorRequest, now: number): Promise<{ call: CallRow; mismatch: boolean }> {
    const call = (await s.calls.get(req.call_id)) ?? (await ensureCall(s, { id: req.call_id, source: 'tool', agentId: req.agent_id ?? null, now })).call;
    if (call.conversationId === (req.conversation_id ?? null)) return { call, mismatch: false };
    if (call.conversationId === null && req.conversation_id && (await s.calls.bindConversation(call.id, req.conversation_id, now))) {
      return { call: { ...call, conversationId: req.conversation_id }, mismatch: false };
    }
    return { call, mismatch: true };
  }

  /**
   * did_wait holds here, before anything is loaded for the answer: on the call's pending DID, and
   * only when the request would wait (a live call of this conversation). A parked long-poll keeps
   * ids, not rows; the answer is then built from fresh state like any other.
   */
  async function pendingDid(req: OrchestratorRequest): Promise<string | undefined> {
    const call = await s.calls.get(req.call_id);
    if (!call || !LIVE.includes(call.status)) return undefined;
    if (call.conversationId !== null && call.conversationId !== (req.conversation_id ?? null)) return undefined;
    const latest = await s.did.latestForCall(call.id);
    return latest?.status === 'pending' ? latest.id : undefined;
  }
  const park = (req: OrchestratorRequest, signal?: AbortSignal): Promise<unknown> =>
    pendingDid(req).then((id) => (id === undefined ? undefined : waitForSession(s, id, didWaitSeconds(req.wait_seconds), signal)));

  /** One auth_orchestrator request; `signal` aborts a did_wait when the client goes away. */
  return function handle(req: OrchestratorRequest, signal?: AbortSignal) {
    return req.action === 'did_wait' ? park(req, signal).then(() => answer(req)) : answer(req);
  };

  async function answer(req: OrchestratorRequest) {
    const now = s.clock.now();
    const loaded = await load(req, now);
    let call = loaded.call;
    const policy = policyFor(s, call);
    if (loaded.mismatch) {
      await s.audit.record(call.id, 'conversation_mismatch', now, { action: req.action });
      // Not this conversation's call: say nothing about its state.
      return { success: false, reason: 'conversation_mismatch', next_required_step: 'transfer_to_human', privileged_allowed: false };
    }

    // Signals that arrive with the request or with the passage of time, before the action runs.
    if (LIVE.includes(call.status)) {
      call = await applyHostSession({ s, call, policy, now }, req.host_session_token);
      call = await checkScreenDeadline(s, call, policy, now);
    }
    const ctx: StepContext = { s, call, policy, now };
    let result: StepResult =
      !LIVE.includes(call.status) && req.action !== 'status' ? fail(call.status === 'ended' ? 'ended' : 'blocked') : await guarded(ctx, req);

    const factorAttempt = result.passed !== undefined || result.failed !== undefined;
    // The call as the last write of this request returned it (every transition returns its row).
    let written: CallRow | undefined;
    if (result.passed) {
      // Counted only for the customer the factor was checked against: a claim that moved while
      // the check ran gets nothing.
      written = await s.calls.recordSuccess(call.id, result.passed, call.customerId!, now);
      if (written) await s.audit.record(call.id, 'factor_passed', now, { factor: result.passed });
      else {
        await s.audit.record(call.id, 'factor_discarded', now, { factor: result.passed, reason: 'identity_changed' });
        result = fail('identity_changed');
      }
    }
    if (result.failed) {
      const failed = await recordFailedCheck(s, call, policy, result.failed, result.reason, now);
      if (failed.call !== call) written = failed.call;
      if (failed.locked) result = { ...result, reason: 'locked', remaining_attempts: 0 };
    }
    if (result.close) written = await closeCall(s, written ?? call, policy, result.close, now);
    // Any action but `status` may have changed the call (identity, attempts, questions asked, status).
    if (req.action !== 'status') call = written ?? (await s.calls.get(call.id)) ?? call;

    const wasLive = LIVE.includes(call.status);
    const settled = await settle(s, call, policy, now, req.action, factorAttempt);
    call = settled.call;
    // The policy closed the call on this request because of risk: that is the answer, whatever the step said.
    if (wasLive && !LIVE.includes(call.status) && settled.decision.outcome !== 'allow' && settled.decision.outcome !== 'step_up') {
      result = fail('risk_high');
    }
    // A code just sent or a question just asked is checked next, also during a step-up.
    const follow = LIVE.includes(call.status) ? followUp(req.action, req, result) : undefined;
    const refusedSend = req.action === 'otp_send' && result.reason === 'rate_limited';
    const next = follow ?? (await nextStep(s, call, policy, settled.decision, now, refusedSend ? ['otp'] : []));
    return orchestratorAnswer(call, settled.decision, result, next);
  };
}

export type Orchestrator = ReturnType<typeof createOrchestrator>;
