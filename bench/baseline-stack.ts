// A second baseline: callgate's own app and middleware, but a route that does nothing. The server is
// started exactly as src/runtime/node/index.ts starts it (startServer with this process's environment);
// before the first request one extra route is added under /tools/, so every global middleware of
// src/app.ts and the /tools/* bearer check run, the JSON body is read with src/http/body.ts, and a
// fixed body is answered: no store, no policy, no audit. The distance from the bare baseline to this
// one is the framework and callgate's middleware; the distance from this one to `status` is
// callgate's own work. It follows src/app.ts as it changes.
import { describeConfig } from '../src/config.js';
import { readJson } from '../src/http/body.js';
import { startServer } from '../src/runtime/node/server.js';

const answer = { success: true, reason: 'ok', next_required_step: 'otp_send', privileged_allowed: false };
const server = await startServer({ env: process.env, print: () => {} });
// Hono builds its router on the first request: adding a route now, before any, is allowed.
server.app.post('/tools/bench_fixed', async (c) => {
  const json = await readJson(c);
  if (!json.ok) return c.json({ success: false, reason: 'invalid_request' }, 400);
  return c.json(answer);
});
console.log(`baseline-stack listening on ${server.url}`);
console.log(describeConfig(server.config));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
