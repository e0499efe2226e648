import type { LedgerStore } from '../store/ledger.js';

// What the post-auth gate needs of a privileged tool; the tools themselves are defined in
// tools/post-auth (their schemas, prompts and logic), registered apart from the pre-auth graph.

export interface PostAuthContext {
  callId: string;
  /** The authenticated customer: the only source of "whose money". Never taken from the body. */
  customerId: string;
  now: number;
  ledger: LedgerStore;
}

export type PostAuthStatus = 200 | 400 | 404 | 409 | 422;

export interface PostAuthResult {
  status: PostAuthStatus;
  /** Always `success` (Boolean) and a snake_case `reason`. */
  body: { success: boolean; reason: string } & Record<string, unknown>;
}

/**
 * What a tool does to the customer's money or data. A `write` is audited (`tool_gate`) in its own
 * commit before it runs, so a crash mid-write still leaves the decision on record; a `read` changes
 * nothing, so its gate decision is committed together with its result, before the answer leaves.
 */
export type PostAuthEffect = 'read' | 'write';

/** A privileged tool as the gate runs it. */
export interface PrivilegedTool {
  readonly effect: PostAuthEffect;
  run(ctx: PostAuthContext, args: never): Promise<PostAuthResult>;
}
