import type { Hono } from 'hono';
import type { z } from 'zod';
import type { Decision, Factor, Policy } from '../policy/index.js';
import type { Enrolment } from '../store/customers.js';
import type { GuessFamily } from '../store/schema/budgets.js';
import type { CallRow } from '../store/schema/calls.js';
import type { Services } from './services.js';
import type { NextStep, StepContext, StepResult } from './step.js';

// The factor contract. A factor (or a passive signal) is one folder that declares itself with
// `defineFactor`; the registry (src/factors/registry.ts) lists them, and everything that used to
// be wired by hand comes from it: the orchestrator's dispatch, the next step offered, what a
// closing call voids, the tool's action enum and fields, the routes, the background work.

/** What every action receives besides its factor's own fields. */
export interface BaseRequest {
  call_id: string;
  conversation_id?: string | undefined;
  action: string;
  host_session_token?: string | undefined;
  agent_id?: string | undefined;
}

/** The parsed request an action of a factor with fields `F` receives. */
export type ActionRequest<F extends z.ZodRawShape> = BaseRequest & Partial<z.output<z.ZodObject<F>>>;

export interface ActionSpec<F extends z.ZodRawShape, R extends string> {
  /** Fields the action cannot run without; a request lacking one is a 400 naming it. */
  requires?: readonly (keyof F & string)[];
  /** A guess: one is taken from the claimed customer's budget of this family before `run`. */
  guess?: GuessFamily;
  /** False when this request would check nothing (no guess is taken for it). */
  checks?(call: CallRow, req: ActionRequest<F>): boolean;
  /** Starts a challenge: refused (`locked`) while the family is locked for the customer. */
  starts?: GuessFamily;
  run(ctx: StepContext, req: ActionRequest<F>): Promise<StepResult<R>>;
  /** The obvious next step after this action (a code just sent is checked next). */
  followUp?(req: ActionRequest<F>, result: StepResult<R>): NextStep | undefined;
  /**
   * Holds the request before it is loaded and answered (a long-poll). It must hold ids only and
   * re-read state after: the answer is built from fresh state like any other.
   */
  hold?(s: Services, req: ActionRequest<F>, signal?: AbortSignal): Promise<unknown>;
  /** Cross-field rules on the arguments; `issue` names the offending field. */
  refine?(req: Record<string, unknown>, issue: (field: string, message: string) => void): void;
}

/** Where the call stands when the next step is chosen for one of the factor's policy factors. */
export interface OfferContext extends StepContext {
  call: CallRow & { customerId: string };
  enrolment: Enrolment;
  decision: Decision;
}

/**
 * How a policy factor is offered as the next step: a step now, a step to fall back on when
 * nothing better is left (`later`), or nothing (not enrolled, spent, refused by a limit).
 */
export type Offer = NextStep | { later: NextStep } | undefined;

export interface Proof {
  /** The guess budget a wrong answer for this factor spends (across calls, per customer). */
  family: GuessFamily;
  offer(ctx: OfferContext): Promise<Offer>;
}

/**
 * Who may call a route: the bearer it sits behind, or none (signed by its caller). An `admin`
 * route is mounted under /admin, behind the admin bearer like every operator route.
 */
export type RouteScope = 'public' | 'ivr' | 'admin';

/** What a factor's routes are built with: the services, the app's wiring and the orchestrator. */
export interface RouteContext {
  s: Services;
  /** Runs one auth_orchestrator request (the IVR identifies through it, like the agent). */
  orchestrate(req: BaseRequest & Record<string, unknown>): Promise<{ success: boolean; reason: string }>;
  /** The client's network address (the socket on Node, CF-Connecting-IP on Workers). */
  clientAddress(c: import('hono').Context): string;
  /** VOXEQ_WEBHOOK_SECRET: signs pushed fraud-screen results (absent: the push route refuses). */
  screenWebhookSecret?: string | undefined;
  /** Twilio's TwiML flow, when an account is configured. */
  twilio?: { authToken: string; publicUrl: string; successUrl?: string | undefined; failureUrl?: string | undefined } | undefined;
}

export interface FactorRoute {
  /** Mount point, e.g. `/app` or `/ivr/sessions` (under /admin for the admin scope). */
  path: string;
  scope: RouteScope;
  routes: Hono<any, any, any>;
}

/**
 * What a due timer does (the factor asked for it with `s.timers.at`): a conditional transition on
 * what SQL says at `now` (a session still pending and past its expiry times out), then wakes the
 * waiters. Delivery is at least once, possibly late or twice: anything else must do nothing.
 */
export type TimerHandler = (s: Services, ref: string, now: number) => Promise<unknown>;

/** Periodic work: a sweep that makes a deadline happen on time even when nobody polls (the timers' safety net). */
export interface BackgroundTask {
  name: string;
  everyMs: number;
  run(s: Services): Promise<unknown>;
}

export interface FactorModule<
  F extends z.ZodRawShape = z.ZodRawShape,
  R extends string = string,
  A extends string = string,
  P extends Factor = Factor,
> {
  id: string;
  /** Tool arguments the factor reads; each `.describe()` is what the agent's LLM is told. */
  fields: F;
  /** How the agent uses the actions, joined (in registry order) into the tool's action description. */
  guide?: string;
  actions: { readonly [K in A]: ActionSpec<F, R> };
  /** The policy factors it proves (none for a passive signal). */
  proves: { readonly [K in P]: Proof };
  /** Its reason codes, listed in the HTTP reference. */
  reasons: readonly R[];
  /**
   * Signals that arrive with a request or with the passage of time, applied before any action
   * (and before a post-auth tool is gated). Returns the call as it now stands.
   */
  before?(ctx: StepContext, req: BaseRequest | undefined): Promise<CallRow>;
  /** A call was just created (once per call): start the clocks the factor keeps on it. */
  onOpen?(s: Services, call: CallRow, policy: Policy, now: number): Promise<void>;
  /** The call closed (handoff, block, end): void what is outstanding for it. */
  onClose?(s: Services, call: CallRow, now: number): Promise<void>;
  /**
   * Void what the factor issued on this call for its customer (codes, DIDs, pushes): the claim
   * moved to someone else, or the customer said "this wasn't me" and the call is blocked.
   */
  voidIssued?(s: Services, call: CallRow, now: number): Promise<void>;
  routes?(ctx: RouteContext): readonly FactorRoute[];
  /** Its timer kinds (names unique across factors) and what each does when due. */
  timers?: { readonly [kind: string]: TimerHandler };
  background?: readonly BackgroundTask[];
  /** How an operator enrols a customer for it (the admin route or CLI), for the docs. */
  enrolment?: string;
}

/** Declares a factor; the generics keep each action's request and reasons typed by the factor's own. */
export function defineFactor<F extends z.ZodRawShape, const R extends string, const A extends string, const P extends Factor = never>(
  module: FactorModule<F, R, A, P>,
): FactorModule<F, R, A, P> {
  return module;
}
