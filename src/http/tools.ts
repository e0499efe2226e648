import { Hono } from 'hono';
import { validateOrchestratorRequest } from '../../tools/pre-auth/auth_orchestrator.js';
import { isPostAuthToolName, postAuthTools, type PostAuthTool } from '../../tools/post-auth/index.js';
import { runPostAuthTool, type PostAuthArgs } from '../orchestrator/post-auth.js';
import { holdsRequest } from '../orchestrator/actions.js';
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
      return orchestrate(req.value, holdsRequest(req.value.action) ? c.req.raw.signal : undefined).then((answer) => c.json(answer));
    })
    .post('/post/:tool', async (c) => {
      const name = c.req.param('tool');
      if (!isPostAuthToolName(name)) return jsonError(c, 404, 'unknown_tool');
      const tool: PostAuthTool = postAuthTools[name];
      const json = await readJson(c);
      if (!json.ok) return invalidRequest(c, json.errors);
      const parsed = validateToolRequest(tool, json.value);
      if (!parsed.ok) return invalidRequest(c, parsed.errors);
      const answer = await runPostAuthTool(s, tool, name, parsed.value as PostAuthArgs, ledger);
      return c.json(answer.body, answer.status);
    });
}
