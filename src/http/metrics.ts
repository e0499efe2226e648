import { Hono } from 'hono';
import type { Clock } from '../kernel/ports.js';
import { collect } from '../metrics/callgate.js';
import { CONTENT_TYPE, render } from '../metrics/exposition.js';
import type { Db } from '../store/db.js';
import { createMetricsStore } from '../store/metrics.js';
import { bearerAny } from './bearer.js';

// GET /metrics — Prometheus text format (docs/operations.md). Behind the admin token or the
// scrape-only CALLGATE_METRICS_TOKEN: the totals are about callers, if not about one caller.
export function metricsRoutes(db: Db, clock: Clock, tokens: string[]) {
  const store = createMetricsStore(db);
  return new Hono().get('/', bearerAny(tokens, 'metrics'), async (c) => {
    const body = render(await collect(store, clock.now()));
    return c.body(body, 200, { 'content-type': CONTENT_TYPE });
  });
}
