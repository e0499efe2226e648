// A small circuit breaker, generic over what it guards. Closed: calls go through and consecutive
// failures are counted. Open (after `failures` consecutive failures): calls are refused at once,
// so an outage costs one fast refusal per call instead of a timeout per call. Half-open (once
// `cooldownMs` has passed since it opened): exactly one trial call goes through; its success
// closes the breaker, its failure opens it for another cooldown. Time comes from the injected
// clock only, so tests move it. No timers, no globals: one breaker per provider instance.
import type { Clock } from '../../kernel/ports.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker (≥ 1). */
  failures: number;
  /** How long it stays open before one trial is let through (ms, ≥ 0). */
  cooldownMs: number;
}

export const DEFAULT_BREAKER: Readonly<BreakerOptions> = { failures: 5, cooldownMs: 30_000 };

export interface CircuitBreaker {
  /** The state now (open turns half_open by itself once the cooldown has passed). */
  state(): BreakerState;
  /**
   * Asks to make one call. True: make it, then report exactly one of success(), failure() or
   * release(). False: do not call; the breaker is open (or its half-open trial is in flight).
   */
  acquire(): boolean;
  /** The guarded call worked (the dependency answered, whatever it said). */
  success(): void;
  /** The guarded call failed (timeout, network, 5xx…). */
  failure(): void;
  /** The call was abandoned for a reason that says nothing about the dependency (caller aborted). */
  release(): void;
}

export function createCircuitBreaker(opts: BreakerOptions & { clock: Clock; onStateChange?: (from: BreakerState, to: BreakerState) => void }): CircuitBreaker {
  if (!Number.isInteger(opts.failures) || opts.failures < 1) throw new RangeError('breaker failures must be an integer ≥ 1');
  if (!Number.isFinite(opts.cooldownMs) || opts.cooldownMs < 0) throw new RangeError('breaker cooldownMs must be ≥ 0');
  const { clock } = opts;

  let consecutive = 0;
  let openedAt: number | null = null; // set while open or half-open
  let trialSince: number | null = null; // the half-open trial in flight, if any
  let last: BreakerState = 'closed';

  const compute = (): BreakerState => {
    if (openedAt === null) return 'closed';
    return clock.now() - openedAt >= opts.cooldownMs ? 'half_open' : 'open';
  };
  const observe = (): BreakerState => {
    const now = compute();
    if (now !== last) {
      const from = last;
      last = now;
      opts.onStateChange?.(from, now);
    }
    return now;
  };
  const open = () => {
    openedAt = clock.now();
    trialSince = null;
    observe();
  };

  return {
    state: observe,
    acquire() {
      const s = observe();
      if (s === 'closed') return true;
      if (s === 'open') return false;
      // Half-open: one trial at a time. A trial that never reported back (a caller bug) does not
      // wedge the breaker: after another cooldown a new trial is allowed.
      if (trialSince !== null && clock.now() - trialSince < Math.max(opts.cooldownMs, 1)) return false;
      trialSince = clock.now();
      return true;
    },
    success() {
      consecutive = 0;
      openedAt = null;
      trialSince = null;
      observe();
    },
    failure() {
      const s = observe();
      if (s === 'half_open') return open();
      if (s === 'open') return; // a call made before it opened, failing late: already counted
      consecutive += 1;
      if (consecutive >= opts.failures) {
        consecutive = 0;
        open();
      }
    },
    release() {
      trialSince = null;
    },
  };
}
