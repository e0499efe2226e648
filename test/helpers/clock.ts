import type { Clock } from '../../src/kernel/ports.js';

/** A clock tests move by hand; nothing in the suite sleeps to let time pass. */
export function fakeClock(start = Date.UTC(2026, 10, 23, 9, 0, 0)) {
  let t = start;
  const clock: Clock & { advance(ms: number): void; set(ms: number): void } = {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    set(ms) {
      t = ms;
    },
  };
  return clock;
}
