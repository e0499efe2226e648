// Node-only: CALLGATE_FAULT made real. At the armed point the process SIGKILLs itself, exactly
// like `kill -9` from outside: no handler, no flush, no graceful close. Config refuses the
// variable in production; unset, no hook exists.
import type { FaultHook, FaultPoint } from '../../fault.js';

export function killAtFault(armed: FaultPoint | undefined): FaultHook | undefined {
  if (armed === undefined) return undefined;
  return (point) => {
    if (point === armed) process.kill(process.pid, 'SIGKILL');
  };
}
