import { describe, expect, it } from 'vitest';
import { fakeClock } from '../../test/helpers/clock.js';
import { silentLogger, systemClock } from './ports.js';
import { createLocalTimers } from './timers.js';

describe('local timers', () => {
  it('run a timer once when its time comes, on a real OS timer that keeps no process alive', async () => {
    const ran: string[] = [];
    let done!: () => void;
    const fired = new Promise<void>((resolve) => (done = resolve));
    const timers = createLocalTimers(systemClock, async (kind, ref) => {
      ran.push(`${kind}/${ref}`);
      done();
    }, silentLogger);
    timers.at('c1', 'did_ttl', Date.now() + 20, 's1');
    expect(timers.pending()).toBe(1);
    await fired;
    expect(ran).toEqual(['did_ttl/s1']);
    expect(timers.pending()).toBe(0);
  });

  it('the same call, kind and ref again replaces the timer; a due one runs only once', async () => {
    const clock = fakeClock();
    const ran: string[] = [];
    const timers = createLocalTimers(clock, async (kind, ref) => void ran.push(`${kind}/${ref}`), silentLogger, { manual: true });
    timers.at('c1', 'did_ttl', clock.now() + 1_000, 's1');
    timers.at('c1', 'did_ttl', clock.now() + 5_000, 's1');
    timers.at('c2', 'did_ttl', clock.now() + 1_000, 's1');
    expect(timers.pending()).toBe(2);
    clock.advance(1_000);
    expect(await timers.runDue()).toBe(1);
    expect(ran).toEqual(['did_ttl/s1']);
    clock.advance(4_000);
    expect(await timers.runDue()).toBe(1);
    expect(await timers.runDue()).toBe(0);
    expect(ran).toHaveLength(2);
  });

  it('stop drops every timer: none runs after a shutdown', async () => {
    const clock = fakeClock();
    const ran: string[] = [];
    const timers = createLocalTimers(clock, async (kind) => void ran.push(kind), silentLogger, { manual: true });
    timers.at('c1', 'did_ttl', clock.now(), 's1');
    timers.stop();
    expect(timers.pending()).toBe(0);
    expect(await timers.runDue()).toBe(0);
    expect(ran).toEqual([]);
  });

  it('logs a failed handler by kind, never throws it at the runtime', async () => {
    const clock = fakeClock();
    const lines: unknown[] = [];
    const logger = { ...silentLogger, error: (event: string, fields?: unknown) => void lines.push({ event, fields }) };
    const timers = createLocalTimers(clock, async () => Promise.reject(new TypeError('secret detail')), logger, { manual: true });
    timers.at('c1', 'screen_deadline', clock.now(), 'c1');
    expect(await timers.runDue()).toBe(1);
    expect(lines).toEqual([{ event: 'timer_failed', fields: { kind: 'screen_deadline', error: 'TypeError' } }]);
  });
});
