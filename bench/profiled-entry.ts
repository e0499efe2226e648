// `npm run bench -- --profile` only: the server started exactly as src/runtime/node/index.ts starts it
// (startServer with process.env, the same banner), plus CPU profiling the bench switches on and off
// around each scenario's measured window with SIGUSR2, through the inspector (same sampler as
// `node --cpu-prof`, but without start-up, fixtures and warm-up in the profile).
// Every measured figure in docs/benchmarks.md comes from src/runtime/node/index.ts itself, not from this file.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { runNodeServer } from '../src/runtime/node/main.js';

const dir = process.env.BENCH_PROFILE_DIR ?? '.';
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
await session.post('HeapProfiler.enable');
const mem = () => {
  const m = process.memoryUsage();
  const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
  return JSON.stringify({ rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) });
};
let running = false;
let n = 0;
let busy = Promise.resolve();
process.on('SIGUSR2', () => {
  busy = busy.then(async () => {
    if (!running) {
      console.log(`bench memory at start ${mem()}`);
      // Live objects allocated during the window (what N waiting calls hold, for instance).
      await session.post('HeapProfiler.startSampling', { samplingInterval: 32_768 });
      await session.post('Profiler.start');
      running = true;
      console.log('bench profile started');
    } else {
      const { profile } = await session.post('Profiler.stop');
      const heap = await session.post('HeapProfiler.getSamplingProfile');
      await session.post('HeapProfiler.stopSampling');
      running = false;
      console.log(`bench memory at end ${mem()}`);
      const file = join(dir, `profile-${++n}.cpuprofile`);
      writeFileSync(file.replace(/\.cpuprofile$/, '.heapprofile'), JSON.stringify(heap.profile));
      writeFileSync(file, JSON.stringify(profile));
      console.log(`bench profile written ${file}`);
    }
  });
});

await runNodeServer();
