import { FACTOR_ACTIONS } from '../factors/registry.js';
import { fail, ok, policyFor, type Services, type StepContext, type StepResult } from '../kernel/index.js';
import { LIVE } from '../store/calls.js';
import type { CallRow } from '../store/schema/calls.js';
import type { Action, OrchestratorRequest } from './actions.js';
import { orchestratorAnswer } from './answer.js';
import { ensureCall } from './ensure-call.js';
import { recordFailedCheck } from './failures.js';
import { settleGuess, takeGuess } from './guesses.js';
import { nextStep, type NextStep } from './next-step.js';
import { closeCall, settle } from './settle.js';
import { applySignals } from './signals.js';

/** Past the budget a factor answers `locked`, whatever was said: a right answer is refused too. */
const LOCKED = fail('locked', { remaining_attempts: 0 });

/** The action's step: a factor's (from the registry), or one the orchestrator answers itself. */
function runStep(ctx: StepContext, req: OrchestratorRequest): Promise<StepResult> {
  if (req.action === 'status') return Promise.resolve(ok());
  // The caller asked for a person: close the call with a packet for whoever takes it.
  if (req.action === 'handoff') return closeCall(ctx.s, ctx.call, ctx.policy, 'requested', ctx.now).then(() => ok());
  return FACTOR_ACTIONS.get(req.action)!.spec.run(ctx, req);
}

/** After a successful send or question the obvious next step is to check what the caller says. */
function followUp(action: Action, req: OrchestratorRequest, result: StepResult): NextStep | undefined {
  return FACTOR_ACTIONS.get(action)?.spec.followUp?.(req, result);
}

/**
 * Runs the action behind the claimed customer's guess budget: a guess is taken before it is
 * checked and settled by what the check found; a challenge is not started while its family is
 * locked. Unclaimed calls have nothing to guess against yet.
 */
async function guarded(ctx: StepContext, req: OrchestratorRequest): Promise<StepResult> {
  const { s, call, policy, now } = ctx;
  const customerId = call.customerId;
  const spec = FACTOR_ACTIONS.get(req.action)?.spec;
  const guessFamily = spec?.guess && (spec.checks?.(call, req) ?? true) ? spec.guess : undefined;
  if (customerId && guessFamily) {
    const taken = await takeGuess(s, call.id, customerId, guessFamily, policy, now);
    if (!taken) return LOCKED;
    const result = await runStep(ctx, req);
    await settleGuess(s, call.id, customerId, guessFamily, taken, result, now);
    return result;
  }
  if (customerId && spec?.starts && (await s.budgets.locked(customerId, now)).has(spec.starts)) return LOCKED;
  return runStep(ctx, req);
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

  /** An action that holds (a long-poll) does so before anything is loaded for its answer. */
  const hold = (req: OrchestratorRequest, signal?: AbortSignal) => FACTOR_ACTIONS.get(req.action)?.spec.hold?.(s, req, signal);

  /** One auth_orchestrator request; `signal` aborts a held long-poll when the client goes away. */
  return function handle(req: OrchestratorRequest, signal?: AbortSignal) {
    const held = hold(req, signal);
    return held ? held.then(() => answer(req)) : answer(req);
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
      call = await applySignals({ s, call, policy, now }, req);
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
