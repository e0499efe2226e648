import type { AuditEvent } from '../audit/audit.js';
import type { PostAuthResult, PrivilegedTool, Services } from '../kernel/index.js';
import type { LedgerStore } from '../store/ledger.js';
import { gateTool } from './gate.js';

export type PostAuthArgs = { call_id: string; conversation_id?: string } & Record<string, unknown>;

/**
 * One post-auth tool call: the gate first (re-evaluated on every call), then the tool, with the
 * audit trail in an order that never loses a decision.
 */
export async function runPostAuthTool(
  s: Services,
  tool: PrivilegedTool,
  name: string,
  args: PostAuthArgs,
  ledger: LedgerStore,
): Promise<{ status: PostAuthResult['status'] | 403; body: Record<string, unknown> }> {
  const gate = await gateTool(s, name, args.call_id, args.conversation_id);
  if (!gate.ok) return { status: 403, body: gate.body };
  const { call, now, event } = gate;
  // A write is on record before it runs; a read changes nothing, so its decision is committed
  // with its result (one commit), still before the answer leaves.
  if (tool.effect === 'write') await s.audit.record(call.id, event.type, now, event.data);
  let result: PostAuthResult;
  try {
    result = await tool.run({ callId: call.id, customerId: call.customerId, now, ledger }, args as never);
  } catch (err) {
    if (tool.effect === 'read') await s.audit.record(call.id, event.type, now, event.data);
    throw err;
  }
  const done: AuditEvent = { type: 'tool_result', data: { tool: name, success: result.body.success, reason: result.body.reason } };
  if (tool.effect === 'read') await s.audit.recordPair(call.id, now, event, done);
  else await s.audit.record(call.id, done.type, now, done.data);
  return { status: result.status, body: result.body };
}
