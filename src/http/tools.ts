import { Hono } from 'hono';
import { validateOrchestratorRequest } from '../../tools/pre-auth/auth_orchestrator.js';
import { isPostAuthToolName, postAuthTools, type PostAuthTool } from '../../tools/post-auth/index.js';
import type { PostAuthResult } from '../../tools/post-auth/types.js';
import type { AuditEvent } from '../audit/audit.js';
import { gateTool } from '../orchestrator/gate.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import type { Services } from '../kernel/index.js';
import type { LedgerStore } from '../store/ledger.js';
import { readJson } from './body.js';
import { invalidRequest, jsonError } from './errors.js';
import { validateToolRequest } from '../../tools/define.js';

/** POST /tools/auth_orchestrator and POST /tools/post/{tool}. */
export function toolRoutes(s: Services, orchestrate: Orchestrator, ledger: LedgerStore) {
  return new Hono()
    .post('/auth_orchestrator', async (c) => {
      const json = await readJson(c);
      if (!json.ok) return invalidRequest(c, json.errors);
      const req = validateOrchestratorRequest(json.value);
      if (!req.ok) return invalidRequest(c, req.errors);
      // Only a long-poll needs to notice a client going away; reading the signal costs on every request.
      // Chained, not awaited: a held long-poll keeps no suspended frame in this handler.
      return orchestrate(req.value, req.value.action === 'did_wait' ? c.req.raw.signal : undefined).then((answer) => c.json(answer));
    })
    .post('/post/:tool', async (c) => {
      const name = c.req.param('tool');
      if (!isPostAuthToolName(name)) return jsonError(c, 404, 'unknown_tool');
      const tool: PostAuthTool = postAuthTools[name];
      const json = await readJson(c);
      if (!json.ok) return invalidRequest(c, json.errors);
      const parsed = validateToolRequest(tool, json.value);
      if (!parsed.ok) return invalidRequest(c, parsed.errors);
      const args = parsed.value as { call_id: string; conversation_id?: string };
      const gate = await gateTool(s, name, args.call_id, args.conversation_id);
      if (!gate.ok) return c.json(gate.body, 403);
      const { call, now, event } = gate;
      // A write is on record before it runs; a read changes nothing, so its decision is committed
      // with its result (one commit), still before the answer leaves.
      if (tool.effect === 'write') await s.audit.record(call.id, event.type, now, event.data);
      let result: PostAuthResult;
      try {
        result = await tool.run({ callId: call.id, customerId: call.customerId, now, ledger }, parsed.value as never);
      } catch (err) {
        if (tool.effect === 'read') await s.audit.record(call.id, event.type, now, event.data);
        throw err;
      }
      const done: AuditEvent = { type: 'tool_result', data: { tool: name, success: result.body.success, reason: result.body.reason } };
      if (tool.effect === 'read') await s.audit.recordPair(call.id, now, event, done);
      else await s.audit.record(call.id, done.type, now, done.data);
      return c.json(result.body, result.status);
    });
}
