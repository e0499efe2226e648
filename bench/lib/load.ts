// Which runtimes a run benches, and the load it puts on them.
//
// Local workerd serves every request on one event-loop thread, and Miniflare's local D1 commits
// (and fsyncs) a SQLite transaction on that thread for every query, reads included. Past the
// load it can work through, requests wait unread in their sockets, and its HTTP server's timers
// (5 s for the next request on a kept-alive connection, 15 s for a new connection's first) close
// connections whose request it has not read yet: the client sees "socket hang up" or ECONNRESET.
// So a run that includes the worker uses a load the local engine holds: fewer connections, set-up
// requests a few at a time, long-polls sent in bursts it has worked through, and fewer of them;
// Node gets the same load in that run, so the two columns compare.
import type { Runtime, Settings } from '../scenarios/types.js';

export function parseRuntimes(arg: string): Runtime[] {
  const list = arg === 'both' ? ['node', 'worker'] : arg.split(',').map((s) => s.trim());
  const bad = list.filter((r) => r !== 'node' && r !== 'worker');
  if (bad.length || list.length === 0) throw new Error(`--runtime: node, worker, both (or node,worker), got "${arg}"`);
  return [...new Set(list)] as Runtime[];
}

export interface Load extends Settings {
  customers: number;
  devices: number;
}

/** The load of a run: Node's own when it benches Node alone, else one the local workerd holds. */
export function loadFor(runtimes: Runtime[], quick: boolean, durationS: number): Load {
  const common = { quick, warmupS: quick ? 1 : 2, durationS, fullCallS: quick ? 2 : 10 };
  if (!runtimes.includes('worker')) {
    return {
      ...common,
      connections: 64,
      didCalls: quick ? 40 : 300,
      waitingCalls: quick ? 1_000 : 10_000,
      waitingConfirms: quick ? 20 : 100,
      statusPool: quick ? 200 : 1_000,
      setupConcurrency: 64,
      waitBurst: 0,
      customers: quick ? 50 : 200,
      devices: quick ? 25 : 100,
    };
  }
  return {
    ...common,
    // Measured on the 2-core VM: local workerd's status throughput peaks near 16 connections and
    // falls at 64 (queueing seconds deep, where the timers above start closing connections).
    connections: 8,
    // Confirmed one after another at ~0.1–0.3 s each: 100 fit in one 20 s wait.
    didCalls: quick ? 40 : 100,
    // Issued, parked and confirmed within a DID's 60 s life (the default policy's ttl_seconds): at
    // 1,000 the worker here took 93 s to park them all, and every DID had expired.
    waitingCalls: quick ? 100 : 200,
    waitingConfirms: quick ? 10 : 20,
    statusPool: quick ? 100 : 200,
    setupConcurrency: 4,
    waitBurst: 16,
    customers: quick ? 50 : 200,
    devices: quick ? 25 : 100,
  };
}
