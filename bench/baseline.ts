// The bare baseline: Hono on @hono/node-server (the same stack callgate runs on), one route
// answering a fixed JSON body, nothing else. What this machine can do at all over loopback with the
// same load generator, headers and request bodies; every callgate figure is also shown as a ratio to it.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const body = { success: true, reason: 'ok', next_required_step: 'otp_send', privileged_allowed: false };
const app = new Hono();
app.post('/', (c) => c.json(body));
app.get('/', (c) => c.json(body));

const port = Number(process.env.PORT ?? 0);
const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  console.log(`baseline listening on http://127.0.0.1:${info.port}`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}
