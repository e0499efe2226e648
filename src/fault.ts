// Crash points for fault-injection tests (CALLGATE_FAULT). Core code only names the points; what
// "crash" means is the runtime's business (on Node: the process SIGKILLs itself). Unset, the hook
// is absent and every call site is a no-op; config refuses the variable in production.

/** The step boundaries of a transfer's atomic unit, in order, then the moment after its commit. */
export const TRANSFER_FAULT_STEPS = ['after_claim', 'after_debit', 'after_credit', 'after_settle', 'after_commit'] as const;

export const FAULT_POINTS = TRANSFER_FAULT_STEPS.map((s) => `transfer:${s}` as const);
export type FaultPoint = (typeof FAULT_POINTS)[number];

/** Called when execution reaches a point; crashes when that point is the armed one. */
export type FaultHook = (point: FaultPoint) => void;
