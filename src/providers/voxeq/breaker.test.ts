import { describe, expect, it, vi } from 'vitest';
import { createCircuitBreaker, type BreakerState } from './breaker.js';

function setup(failures = 3, cooldownMs = 10_000) {
  let now = 1_000_000;
  const changes: [BreakerState, BreakerState][] = [];
  const breaker = createCircuitBreaker({ failures, cooldownMs, clock: { now: () => now }, onStateChange: (a, b) => changes.push([a, b]) });
  return { breaker, changes, advance: (ms: number) => (now += ms) };
}

describe('circuit breaker', () => {
  it('stays closed below the threshold; a success resets the count', () => {
    const { breaker } = setup(3);
    for (let i = 0; i < 2; i++) {
      expect(breaker.acquire()).toBe(true);
      breaker.failure();
    }
    expect(breaker.acquire()).toBe(true);
    breaker.success();
    for (let i = 0; i < 2; i++) {
      expect(breaker.acquire()).toBe(true);
      breaker.failure();
    }
    expect(breaker.state()).toBe('closed');
  });

  it('opens after N consecutive failures and refuses until the cooldown', () => {
    const { breaker, advance, changes } = setup(3, 10_000);
    for (let i = 0; i < 3; i++) {
      expect(breaker.acquire()).toBe(true);
      breaker.failure();
    }
    expect(breaker.state()).toBe('open');
    expect(breaker.acquire()).toBe(false);
    advance(9_999);
    expect(breaker.acquire()).toBe(false);
    advance(1);
    expect(breaker.state()).toBe('half_open');
    expect(changes).toEqual([
      ['closed', 'open'],
      ['open', 'half_open'],
    ]);
  });

  it('half-open lets exactly one trial through; its success closes', () => {
    const { breaker, advance } = setup(1, 5_000);
    breaker.acquire();
    breaker.failure();
    advance(5_000);
    expect(breaker.acquire()).toBe(true);
    expect(breaker.acquire()).toBe(false); // trial in flight
    breaker.success();
    expect(breaker.state()).toBe('closed');
    expect(breaker.acquire()).toBe(true);
  });

  it('a failed trial opens it for another full cooldown', () => {
    const { breaker, advance } = setup(1, 5_000);
    breaker.acquire();
    breaker.failure();
    advance(6_000);
    expect(breaker.acquire()).toBe(true);
    breaker.failure();
    expect(breaker.state()).toBe('open');
    advance(4_999);
    expect(breaker.acquire()).toBe(false);
    advance(1);
    expect(breaker.acquire()).toBe(true);
  });

  it('a released trial frees the slot without deciding', () => {
    const { breaker, advance } = setup(1, 5_000);
    breaker.acquire();
    breaker.failure();
    advance(5_000);
    expect(breaker.acquire()).toBe(true);
    breaker.release();
    expect(breaker.state()).toBe('half_open');
    expect(breaker.acquire()).toBe(true);
  });

  it('a trial that never reports back does not wedge it forever', () => {
    const { breaker, advance } = setup(1, 5_000);
    breaker.acquire();
    breaker.failure();
    advance(5_000);
    expect(breaker.acquire()).toBe(true);
    advance(4_000);
    expect(breaker.acquire()).toBe(false);
    advance(1_000);
    expect(breaker.acquire()).toBe(true);
  });

  it('late failures of calls made before it opened do not extend the cooldown', () => {
    const { breaker, advance } = setup(2, 5_000);
    expect(breaker.acquire()).toBe(true);
    expect(breaker.acquire()).toBe(true);
    expect(breaker.acquire()).toBe(true);
    breaker.failure();
    breaker.failure(); // opens
    advance(3_000);
    breaker.failure(); // the third call, late
    advance(2_000);
    expect(breaker.state()).toBe('half_open');
  });

  it('refuses nonsense options', () => {
    const clock = { now: vi.fn(() => 0) };
    expect(() => createCircuitBreaker({ failures: 0, cooldownMs: 1, clock })).toThrow(RangeError);
    expect(() => createCircuitBreaker({ failures: 1.5, cooldownMs: 1, clock })).toThrow(RangeError);
    expect(() => createCircuitBreaker({ failures: 1, cooldownMs: -1, clock })).toThrow(RangeError);
  });
});
