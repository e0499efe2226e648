// callgate's Workers entry (wrangler.toml `main`): the same Hono app as on Node, over D1, with
// Durable Objects for long-polls and rate limits, and Cron Triggers for the periodic sweeps.
import { jsonLogger } from '../../kernel/ports.js';
import { workerRuntime, WorkerStartupError } from './boot.js';
import type { WorkerEnv } from './env.js';
import { runSweeps } from './sweeps.js';

export { CallObject } from './call-object.js';
export { RateLimitObject } from './rate-limit.js';

const startupLog = jsonLogger();

/** A refused start answers every request with 503 and logs the lines (variable names, no values). */
function refused(err: unknown): Response {
  if (!(err instanceof WorkerStartupError)) throw err;
  startupLog.error('startup_refused', { problems: err.lines });
  return Response.json({ success: false, reason: 'misconfigured' }, { status: 503, headers: { 'cache-control': 'no-store' } });
}

export default {
  async fetch(request, env, ctx) {
    let rt;
    try {
      rt = await workerRuntime(env);
    } catch (err) {
      return refused(err);
    }
    await rt.policies.refresh();
    const res = await rt.app.fetch(request, env, ctx);
    // Background work (live-call redirects) and wakes outlive the answer.
    ctx.waitUntil(rt.settle());
    return res;
  },

  async scheduled(controller, env) {
    let rt;
    try {
      rt = await workerRuntime(env);
    } catch (err) {
      refused(err);
      return;
    }
    await runSweeps(rt, controller.cron);
  },
} satisfies ExportedHandler<WorkerEnv>;
