// `npx tsx bench/worker-probe.ts [n]`: what each step of a DID confirm-to-answer costs on local
// workerd, one at a time, on a tiny worker of its own (the same Miniflare and workerd as
// `npm run start:worker`, the same kinds of binding: a local D1 and a SQLite-backed Durable Object
// that parks waiters the way src/runtime/worker/call-object.ts does). Sequential requests from this
// process over loopback; prints p50 / p99 per step, and workerd's write syscalls and CPU per request.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { HttpClient } from './lib/http.js';
import { cpuMs, sleep } from './lib/proc.js';
import { fmtMs, Samples, summarize } from './lib/stats.js';

const N = Number(process.argv[2] ?? 200);

const SCRIPT = `
import { DurableObject } from 'cloudflare:workers';
export class Parker extends DurableObject {
  waiters = new Set();
  ping() { return 1; }
  async put() { await this.ctx.storage.put('x', Date.now()); return 1; }
  waiting() { return this.waiters.size; }
  async wait(ms) {
    if ((await this.ctx.storage.get('wokenAt')) !== undefined) return 'woken';
    return new Promise((resolve) => {
      const done = (o) => { clearTimeout(t); this.waiters.delete(done); resolve(o); };
      const t = setTimeout(done, ms, 'timeout');
      this.waiters.add(done);
    });
  }
  // As CallObject.wake: the wake is stored (and an alarm set) before anyone is released.
  // store: 'gated' as CallObject.wake (the output gate holds every answer until the writes are
  // durable), 'ungated' the same writes with allowUnconfirmed, 'none' no write at all.
  async wake(store) {
    if (store !== 'none' && (await this.ctx.storage.get('wokenAt')) === undefined) {
      const o = store === 'ungated' ? { allowUnconfirmed: true } : {};
      await this.ctx.storage.put('wokenAt', Date.now(), o);
      await this.ctx.storage.setAlarm(Date.now() + 86400000, o);
    }
    const all = [...this.waiters];
    for (const w of all) w('woken');
    return all.length;
  }
  async alarm() {}
}
export default {
  async fetch(req, env) {
    const u = new URL(req.url);
    const k = u.searchParams.get('k') ?? 'k';
    const stub = env.PARKER.getByName(k);
    switch (u.pathname) {
      case '/noop': return new Response('1');
      case '/d1-read': return Response.json(await env.DB.prepare('SELECT v FROM t WHERE id = 1').first());
      case '/d1-write': return Response.json((await env.DB.prepare('UPDATE t SET v = v + 1 WHERE id = 1').run()).meta.changes);
      case '/d1-batch3': return Response.json((await env.DB.batch([1, 2, 3].map(() => env.DB.prepare('SELECT v FROM t WHERE id = 1')))).length);
      case '/do-rpc': return Response.json(await stub.ping());
      case '/do-put': return Response.json(await stub.put());
      case '/waiting': return Response.json(await stub.waiting());
      case '/wait': return Response.json(await stub.wait(20000));
      case '/wake': return Response.json(await stub.wake(u.searchParams.get('store')));
      case '/setup': await env.DB.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v INTEGER)'); await env.DB.prepare('INSERT OR IGNORE INTO t VALUES (1, 0)').run(); return new Response('ok');
    }
    return new Response('?', { status: 404 });
  },
};`;

/** write-family syscalls of a process so far (/proc/<pid>/io): socket writes and SQLite's WAL writes alike. */
function syscw(pid: number): number {
  return Number(/^syscw:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
}

const dir = mkdtempSync(join(os.tmpdir(), 'callgate-worker-probe-'));
const mf = new Miniflare({
  modules: true,
  script: SCRIPT,
  compatibilityDate: '2026-04-26',
  d1Databases: ['DB'],
  durableObjects: { PARKER: { className: 'Parker', useSQLite: true } },
  d1Persist: join(dir, 'd1'),
  durableObjectsPersist: join(dir, 'do'),
  host: '127.0.0.1',
  port: 0,
  log: new Log(LogLevel.ERROR),
});
const url = (await mf.ready).origin;
const workerd = Number(
  readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'workerd'),
);
const client = new HttpClient(url, { maxSockets: 8 });
await client.request('GET', '/setup');

async function step(label: string, path: (i: number) => string) {
  for (let i = 0; i < 20; i++) await client.request('GET', path(i)); // warm-up
  const s = new Samples();
  const w0 = syscw(workerd);
  const c0 = cpuMs(workerd);
  for (let i = 0; i < N; i++) s.push((await client.request('GET', path(i))).ms);
  const l = summarize(s);
  console.log(`${label.padEnd(44)} p50 ${fmtMs(l.p50).padStart(5)} · p99 ${fmtMs(l.p99).padStart(5)} ms · workerd write syscalls/req ${((syscw(workerd) - w0) / N).toFixed(1)} · CPU/req ${Math.round(((cpuMs(workerd) - c0) * 1000) / N)} µs`);
}

/** A parked waiter woken: the waiter's answer arrived − the wake's answer arrived (as the bench's confirm-to-answer). */
async function wakePath(label: string, store: 'gated' | 'ungated' | 'none') {
  const c2a = new Samples();
  const wakeRtt = new Samples();
  const tag = `${store[0]}${Date.now().toString(36)}`;
  for (let i = 0; i < N; i++) {
    const k = `${tag}${i}`;
    const wait = client.request('GET', `/wait?k=${k}`);
    while ((await client.json('GET', `/waiting?k=${k}`)).text !== '1') await sleep(2);
    const woke = await client.request('GET', `/wake?k=${k}&store=${store}`);
    const w = await wait;
    wakeRtt.push(woke.ms);
    c2a.push(Math.max(0, w.doneAt - woke.doneAt));
  }
  const a = summarize(c2a);
  const b = summarize(wakeRtt);
  console.log(`${label.padEnd(44)} wake request p50 ${fmtMs(b.p50)} · p99 ${fmtMs(b.p99)} ms; waiter answered after the wake's answer: p50 ${fmtMs(a.p50)} · p99 ${fmtMs(a.p99)} ms`);
}

console.log(`local workerd probe, ${N} sequential requests per step (load average ${os.loadavg().map((v) => v.toFixed(2)).join(' / ')})`);
await step('fixed answer (no binding)', () => '/noop');
await step('one D1 read', () => '/d1-read');
await step('one D1 write', () => '/d1-write');
await step('three D1 reads in one batch', () => '/d1-batch3');
await step('Durable Object RPC (no storage)', (i) => `/do-rpc?k=r${i % 10}`);
await step('Durable Object RPC + storage.put', (i) => `/do-put?k=p${i % 10}`);
await wakePath('wake, stored first (as CallObject)', 'gated');
await wakePath('wake, stored with allowUnconfirmed', 'ungated');
await wakePath('wake, nothing stored', 'none');
client.close();
await mf.dispose();
rmSync(dir, { recursive: true, force: true });
