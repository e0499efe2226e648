import type { Audit } from '../audit/audit.js';
import type { Keys } from '../crypto/keys.js';
import type { RandomSource } from '../crypto/random.js';
import type { Clock, HostSessionVerifier, Logger, PushSender, ScreenSetup } from './ports.js';
import { unavailablePolicy, type Decision, type Policy, type PolicySet } from '../policy/index.js';
import type { OtpSender } from '../providers/otp/index.js';
import type { CallStore, NewCall } from '../store/calls.js';
import type { ChallengeStore } from '../factors/otp/store.js';
import type { CustomerStore } from '../store/customers.js';
import type { EventStore } from '../store/events.js';
import type { CallRow } from '../store/schema/calls.js';
import type { DidStore } from '../factors/did/store.js';
import type { PushStore } from '../factors/push/store.js';
import type { ReceiptStore } from '../store/receipts.js';
import type { RetentionStore } from '../store/retention.js';
import type { Waker } from './waker.js';
import type { Timers } from './timers.js';
import type { TwilioCallRedirector } from '../providers/twilio/calls.js';
import type { RateLimiter } from './rate-limit.js';
import type { BudgetRow, BudgetStore, CounterStore } from '../store/budgets.js';
import type { GuessFamily } from '../store/schema/budgets.js';
import type { StepResult } from './step.js';

/** Everything the orchestrator and its sub-tools use, built once per app. */
export interface Services {
  calls: CallStore;
  customers: CustomerStore;
  challenges: ChallengeStore;
  events: EventStore;
  audit: Audit;
  keys: Keys;
  random: RandomSource;
  clock: Clock;
  logger: Logger;
  otpSender: OtpSender;
  did: DidStore;
  /** Push approvals: devices registered for pushes, challenges, pauses (factors/push). */
  push: PushStore;
  /** Delivers a push through a push service (Web Push, FCM, APNs); absent: the pull channel only. */
  pushSender?: PushSender | undefined;
  /** Failed-guess budgets per customer and factor family, across calls. */
  budgets: BudgetStore;
  /** Durable fixed-window counters (identify probes, breaker trips). */
  counters: CounterStore;
  /** Once-only webhook deliveries (Twilio idempotency tokens, signed screen results, call outcomes). */
  receipts: ReceiptStore;
  /** Purges of old terminal calls. */
  retention: RetentionStore;
  /** Wakes long-polls when a DID session or a push leaves 'pending' (or a device has a new push). */
  waker: Waker;
  /** A call's deadlines on time (DID TTL, push expiry, the screen's wait): factor.ts `timers`. */
  timers: Timers;
  /** Redirects live Twilio calls on confirmation; absent when Twilio is not configured. */
  redirector?: TwilioCallRedirector | undefined;
  rateLimit: RateLimiter;
  /** The fraud screen, when one is wired in. */
  screen: ScreenSetup;
  hostSessions: HostSessionVerifier;
  /** Work that outlives the request (a call redirect): tracked so shutdown and tests can await it. */
  background(task: Promise<unknown>): void;
  /** The current policy set; a reload swaps it whole, so a request sees one consistent set. */
  policies(): PolicySet;
  /** What factors report to the orchestrator: only it moves a claim, counts a failure or settles a call. */
  outcome: Outcomes;
}

/** A call seen for the first time (the policy is chosen from its line, never given). */
export type OpenCall = Omit<NewCall, 'policyId' | 'policyVersion' | 'signals'> & {
  /** STIR/SHAKEN status when the platform forwards it: the attestation becomes the call's signals. */
  stirVerstat?: string | null | undefined;
  /** Extra labels for the one `call_created` event (provider, caller-ID candidates…). */
  audit?: Record<string, unknown>;
};

/**
 * The orchestrator's side of what a factor learns, in the request or out of band (a device
 * confirmation, a screen result). Factors report; the orchestrator decides what it does to the call.
 */
export interface Outcomes {
  /**
   * The one place a call is created (initiation, a tool's first use, an IVR session, the TwiML
   * flow): idempotent per id, its policy pinned, its caller-ID cap applied.
   */
  openCall(input: OpenCall): Promise<{ call: CallRow; policy: Policy }>;
  /** Moves the call's claim to `customerId` (refused once a factor passed for someone else). */
  claim(call: CallRow, customerId: string, by: 'account_ref' | 'host_session', now: number): Promise<CallRow | undefined>;
  /** One failed check on the call: audit, failure counter, wrong-code burst, lockout handoff. */
  failedCheck(call: CallRow, policy: Policy, factor: string, reason: string, now: number): Promise<{ call: CallRow; locked: boolean }>;
  /** The policy evaluated on the call as it now stands, and its status moved to match. */
  decide(call: CallRow, policy: Policy, now: number, trigger: string): Promise<{ call: CallRow; decision: Decision }>;
  /** Takes one guess from the customer's budget before it is checked (undefined: locked). */
  takeGuess(callId: string | null, customerId: string, family: GuessFamily, policy: Policy, now: number): Promise<BudgetRow | undefined>;
  /**
   * Blocks the call for the fraud queue (a device said "this wasn't me"), and voids what every
   * factor has outstanding on the customer's other live calls, as a moved claim does.
   */
  block(call: CallRow, policy: Policy, reason: string, now: number): Promise<CallRow>;
  /** Settles a taken guess by what the check found. */
  settleGuess(callId: string | null, customerId: string, family: GuessFamily, taken: BudgetRow, result: StepResult, now: number): Promise<void>;
}

/**
 * The policy a call started under, by id and version, whatever has been reloaded since. When that
 * version cannot be found, a stand-in that hands every tier off: never a looser policy.
 */
export function policyFor(s: Services, call: CallRow): Policy {
  const pinned = s.policies().version(call.policyId, call.policyVersion);
  if (pinned) return pinned;
  s.logger.error('policy_unavailable', { call_id: call.id, policy: { id: call.policyId, version: call.policyVersion } });
  return unavailablePolicy(call.policyId, call.policyVersion);
}
