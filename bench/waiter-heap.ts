// Evidence for the memory target (10k calls waiting on a DID): what one parked did_wait holds in the
// server's heap. Starts callgate in this process, issues N DIDs from a child process (so the client's
// objects stay out of this heap), takes a heap snapshot, parks N did_wait long-polls, takes another,
// and prints the difference per waiter, by kind of object (closures by source location when known).
//   node --expose-gc --import tsx bench/waiter-heap.ts [N=2000]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { spawn } from 'node:child_process';
import { startServer } from '../src/runtime/node/server.js';
import { jsonLogger } from '../src/kernel/ports.js';
import { generateDeviceKeyPair } from '../src/crypto/device-signature.js';

const N = Number(process.argv[2] ?? 2000);
if (process.argv[3] === 'client') {
  const [url, tool] = [process.argv[4]!, process.argv[5]!];
  const http = await import('node:http');
  const post = (path: string, body: unknown) => new Promise<any>((res, rej) => {
    const agent = new http.Agent({ keepAlive: false });
    const r = http.request(url + path, { method: 'POST', agent, headers: { authorization: `Bearer ${tool}`, 'content-type': 'application/json' } }, (m) => { let t = ''; m.on('data', (d) => (t += d)); m.on('end', () => res(JSON.parse(t))); });
    r.on('error', rej); r.end(JSON.stringify(body));
  });
  for (let i = 0; i < N; i++) {
    const id = `CAh${i}`;
    await post('/elevenlabs/initiation', { call_sid: id, caller_id: `+1202555${String(i % 50).padStart(4, '0')}`, agent_id: 'a', called_number: '+18005550100' });
    const r = await post('/tools/auth_orchestrator', { call_id: id, conversation_id: `conv_${id}`, action: 'did_issue' });
    if (!r.did) throw new Error(JSON.stringify(r));
  }
  console.log('issued');
  await new Promise((r) => process.stdin.once('data', r));
  for (let i = 0; i < N; i++) void post('/tools/auth_orchestrator', { call_id: `CAh${i}`, conversation_id: `conv_CAh${i}`, action: 'did_wait', wait_seconds: 20 }).catch(() => {});
  setTimeout(() => {}, 60_000);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'heap-'));
  const s = await startServer({ env: { CALLGATE_DB: join(dir, 'db.sqlite'), PORT: '0', CALLGATE_OTP_DELIVERY: 'console', CALLGATE_POLICY_DIR: 'policies' }, print: () => {}, logger: jsonLogger(() => {}) });
  const secrets = JSON.parse(readFileSync(join(dir, 'dev-secrets.json'), 'utf8'));
  for (let i = 0; i < 50; i++) {
    const phone = `+1202555${String(i).padStart(4, '0')}`;
    await s.services.customers.create({ id: `c${i}`, phones: [phone], accountRefs: [], kba: [], now: Date.now() });
    const { publicJwk } = await generateDeviceKeyPair();
    await s.services.customers.addDevice({ id: `d${i}`, customerId: `c${i}`, publicKeyJwk: publicJwk, now: Date.now() });
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/waiter-heap.ts', String(N), 'client', s.url, secrets.CALLGATE_TOOL_SECRET], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((r) => child.stdout.on('data', (d) => String(d).includes('issued') && r()));
  await new Promise((r) => setTimeout(r, 1500));
  (globalThis as any).gc?.();
  const before = writeHeapSnapshot(join(dir, 'before.heapsnapshot'));
  child.stdin.write('go\n');
  const t0 = Date.now();
  while (s.services.waker.waiting() < N && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
  console.log('waiting', s.services.waker.waiting());
  (globalThis as any).gc?.();
  const after = writeHeapSnapshot(join(dir, 'after.heapsnapshot'));
  child.kill();
  const load = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
  const agg = (S: any) => {
    const f = S.snapshot.meta.node_fields as string[]; const F = f.length;
    const ef = S.snapshot.meta.edge_fields as string[]; const EF = ef.length;
    const types = S.snapshot.meta.node_types[0] as string[];
    const etypes = S.snapshot.meta.edge_types[0] as string[];
    const iT = f.indexOf('type'), iN = f.indexOf('name'), iS = f.indexOf('self_size'), iE = f.indexOf('edge_count');
    const nodes = S.nodes as number[], edges = S.edges as number[];
    const loc = new Map<number, string>();
    const L = S.locations as number[];
    for (let i = 0; i < L.length; i += 4) loc.set(L[i]!, `${L[i + 1]}:${L[i + 2]! + 1}:${L[i + 3]}`);
    const m = new Map<string, [number, number]>();
    let e = 0;
    for (let i = 0; i < nodes.length; i += F) {
      const ec = nodes[i + iE]!;
      let key = `${types[nodes[i + iT]!]}:${String(S.strings[nodes[i + iN]!]).slice(0, 50)}`;
      if (key === 'closure:') key += ' @' + (loc.get(i) ?? '?');
      else if (key === 'object:Object' || key.startsWith('closure:') || key.startsWith('object:system / Context') || key === 'array:' || key === 'object:Generator') {
        const props: string[] = [];
        for (let k = 0; k < ec && props.length < 7; k++) {
          const et = etypes[edges[(e + k) * EF]!]; const nm = edges[(e + k) * EF + 1]!;
          if (et === 'property' || et === 'context' || et === 'internal') props.push(et === 'internal' ? 'i:' + String(S.strings[nm]) : String(S.strings[nm]));
        }
        key += ' {' + props.join(',') + '}';
      }
      const x = m.get(key) ?? [0, 0]; x[0]++; x[1] += nodes[i + iS]!; m.set(key, x);
      e += ec;
    }
    return m;
  };
  const a = agg(load(before)), b = agg(load(after));
  const rows = [...b].map(([k, [c, sz]]) => [k, c - (a.get(k)?.[0] ?? 0), sz - (a.get(k)?.[1] ?? 0)] as const).sort((x, y) => y[2] - x[2]);
  console.log('total', (rows.reduce((t, r) => t + r[2], 0) / N).toFixed(0), 'B/w');
  for (const [k, c, sz] of rows.slice(0, 70)) console.log(String((sz / N).toFixed(0)).padStart(6), 'B/w', String((c / N).toFixed(2)).padStart(6), 'objs/w ', k.slice(0, 150));
  await s.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
