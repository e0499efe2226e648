import type { Audit } from '../audit/audit.js';
import type { Keys } from '../crypto/keys.js';
import type { RandomSource } from '../crypto/random.js';
import type { Clock, Logger } from '../deps.js';
import { unavailablePolicy, type Policy, type PolicySet } from '../policy/index.js';
import type { OtpSender } from '../providers/otp/index.js';
import type { CallStore } from '../store/calls.js';
import type { ChallengeStore } from '../store/challenges.js';
import type { CustomerStore } from '../store/customers.js';
import type { EventStore } from '../store/events.js';
import type { CallRow } from '../store/schema/calls.js';
import type { DidStore } from '../store/did.js';
import type { ReceiptStore } from '../store/receipts.js';
import type { RetentionStore } from '../store/retention.js';
import type { Waker } from '../factors/did/waker.js';
import type { TwilioCallRedirector } from '../providers/twilio/calls.js';
import type { RateLimiter } from '../http/rate-limit.js';
import type { ScreenSetup } from '../factors/screen.js';
import type { HostSessionVerifier } from '../factors/host-session.js';
import type { BudgetStore, CounterStore } from '../store/budgets.js';
import type { HandoffReason } from './handoff.js';

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
  /** Failed-guess budgets per customer and factor family, across calls. */
  budgets: BudgetStore;
  /** Durable fixed-window counters (identify probes, breaker trips). */
  counters: CounterStore;
  /** Once-only webhook deliveries (Twilio idempotency tokens, signed screen results, call outcomes). */
  receipts: ReceiptStore;
  /** Purges of old terminal calls (orchestrator/retention.ts). */
  retention: RetentionStore;
  /** Wakes long-polls when a DID session leaves 'pending'. */
  waker: Waker;
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
}

/** What a sub-tool sees: the call as loaded, its policy, one clock reading. */
export interface StepContext {
  s: Services;
  call: CallRow;
  policy: Policy;
  now: number;
}

/**
 * Every sub-tool answers with a value, never an exception, for every expected outcome.
 * `passed` names the factor proven; `failed` marks a failed check that counts toward lockout.
 */
export interface StepResult {
  success: boolean;
  reason: string;
  passed?: string;
  failed?: string;
  remaining_attempts?: number;
  extra?: Record<string, unknown>;
  /** The step learnt that automation must end: the orchestrator hands the call off for this reason. */
  close?: HandoffReason;
}

export const fail = (reason: string, more: Partial<StepResult> = {}): StepResult => ({ success: false, reason, ...more });
export const ok = (more: Partial<StepResult> = {}): StepResult => ({ success: true, reason: 'ok', ...more });

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
