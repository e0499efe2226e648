import { accountSummary } from './account_summary.js';
import { transferFunds } from './transfer_funds.js';
import type { PostAuthTool } from './types.js';
import { updateCardLimit } from './update_card_limit.js';

// The post-auth tool graph: registered separately from the pre-auth graph and reachable only
// through the policy gate (`POST /tools/post/{tool}`). Nothing in ../pre-auth may import this.

export const postAuthTools = Object.freeze({
  account_summary: accountSummary,
  transfer_funds: transferFunds,
  update_card_limit: updateCardLimit,
}) satisfies Readonly<Record<string, PostAuthTool>>;

export type PostAuthToolName = keyof typeof postAuthTools;

export function isPostAuthToolName(name: string): name is PostAuthToolName {
  return Object.prototype.hasOwnProperty.call(postAuthTools, name);
}

/** HTTP route of a post-auth tool. */
export const postAuthToolPath = (name: string): string => `/tools/post/${name}`;

export type { PostAuthContext, PostAuthResult, PostAuthTool } from './types.js';
