// The Timers of src/kernel/timers.ts on Workers: each timer is stored in its call's CallObject,
// which keeps one alarm at the earliest and runs the handlers when it fires (call-object.ts). The
// factors' sweeps on the every-minute cron stay as the safety net.
import type { Logger } from '../../kernel/ports.js';
import type { Timers } from '../../kernel/timers.js';
import type { CallObject } from './call-object.js';
import { createSends } from './sends.js';

export interface WorkerTimers extends Timers {
  /** Resolves once every timer set from this isolate is stored in its object. */
  settled(): Promise<void>;
}

export function createWorkerTimers(ns: DurableObjectNamespace<CallObject>, logger: Logger): WorkerTimers {
  const sends = createSends(logger);
  return {
    at(callId, kind, dueAt, ref) {
      sends.send('timer_schedule', () => ns.getByName(`call:${callId}`).schedule(kind, ref, dueAt));
    },
    settled: () => sends.settled(),
  };
}
