// Server processes under test: `node <entry>` for compiled entries (what the bench measures), or
// `node --import tsx <entry>` for TypeScript ones; either way the pid we sample is the server itself.
// stdout/stderr go to a log file (callgate logs one JSON line per audit event, as in production),
// never through a pipe the bench would have to drain on the same two cores.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface Proc {
  pid: number;
  url: string;
  logFile: string;
  child: ChildProcess;
  /** Resolves with the exit code (SIGTERM first, SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  entry: string;
  env: Record<string, string>;
  logFile: string;
  nodeArgs?: string[];
  /** The line that carries the URL, e.g. /listening on (http:\/\/\S+)/. */
  ready?: RegExp;
  timeoutMs?: number;
}

export async function spawnServer(o: SpawnOptions): Promise<Proc> {
  const fd = openSync(o.logFile, 'a');
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), ...(o.entry.endsWith('.ts') ? ['--import', 'tsx'] : []), o.entry], {
    cwd: REPO_ROOT,
    env: o.env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  const ready = o.ready ?? /listening on (http:\/\/\S+)/;
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  let url: string | undefined;
  while (!url) {
    if (exitCode !== undefined) throw new Error(`${o.entry} exited with ${exitCode} before listening:\n${tail(o.logFile)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${o.entry} did not print a listening line within ${o.timeoutMs ?? 30_000} ms:\n${tail(o.logFile)}`);
    }
    const m = ready.exec(safeRead(o.logFile));
    if (m) url = m[1];
    else await sleep(25);
  }
  return {
    pid: child.pid!,
    url,
    logFile: o.logFile,
    child,
    exited,
    async stop(graceMs = 15_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function tail(file: string, lines = 20): string {
  return safeRead(file).split('\n').slice(-lines).join('\n');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ── memory ──────────────────────────────────────────────────────────────────────────────────────

export interface Mem {
  rssKb: number;
  hwmKb: number;
}

/** VmRSS and VmHWM (the process's peak RSS so far) from /proc/<pid>/status, in kB. */
export function readMem(pid: number): Mem | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(s);
    const hwm = /VmHWM:\s+(\d+) kB/.exec(s);
    if (!rss || !hwm) return undefined;
    return { rssKb: Number(rss[1]), hwmKb: Number(hwm[1]) };
  } catch {
    return undefined;
  }
}

export interface IoCounters {
  /** read()-family and write()-family syscalls (sockets, the SQLite file and WAL, stdout). */
  syscr: number;
  syscw: number;
  rchar: number;
  wchar: number;
}

/** /proc/<pid>/io: syscalls and bytes through read/write, whatever the file (page cache included). */
export function readIo(pid: number): IoCounters {
  try {
    const s = readFileSync(`/proc/${pid}/io`, 'utf8');
    const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
    return { syscr: get('syscr'), syscw: get('syscw'), rchar: get('rchar'), wchar: get('wchar') };
  } catch {
    return { syscr: 0, syscw: 0, rchar: 0, wchar: 0 };
  }
}

export interface WindowStats {
  startMb: number;
  peakMb: number;
  endMb: number;
  hwmMb: number;
  /** Server CPU (user + system) used during the window. */
  cpuMs: number;
  io: IoCounters;
}

/**
 * Samples VmRSS every `everyMs` while running (the peak within a scenario; VmHWM is lifetime),
 * and the server's CPU time and I/O syscalls over the window.
 */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private cpu0 = 0;
  private io0: IoCounters = { syscr: 0, syscw: 0, rchar: 0, wchar: 0 };
  startKb = 0;
  peakKb = 0;
  lastKb = 0;

  constructor(
    private readonly pid: number,
    private readonly everyMs = 50,
  ) {}

  start(): this {
    this.cpu0 = cpuMs(this.pid);
    this.io0 = readIo(this.pid);
    const m = readMem(this.pid);
    this.startKb = this.peakKb = this.lastKb = m?.rssKb ?? 0;
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
    return this;
  }

  sample(): number {
    const m = readMem(this.pid);
    if (m) {
      this.lastKb = m.rssKb;
      if (m.rssKb > this.peakKb) this.peakKb = m.rssKb;
    }
    return this.lastKb;
  }

  stop(): WindowStats {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    const hwm = readMem(this.pid)?.hwmKb ?? 0;
    const io = readIo(this.pid);
    const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;
    return {
      startMb: mb(this.startKb),
      peakMb: mb(this.peakKb),
      endMb: mb(this.lastKb),
      hwmMb: mb(hwm),
      cpuMs: cpuMs(this.pid) - this.cpu0,
      io: { syscr: io.syscr - this.io0.syscr, syscw: io.syscw - this.io0.syscw, rchar: io.rchar - this.io0.rchar, wchar: io.wchar - this.io0.wchar },
    };
  }
}

/** CPU time (user + system) the process has used, in ms (/proc/<pid>/stat, clock ticks at 100 Hz). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/**
 * Resolves when the process has been (nearly) idle for `windowMs`: every request sent to it has been
 * read and handled as far as it can be (a long-poll is parked). Returns how long that took.
 */
export async function waitUntilIdle(pid: number, o: { windowMs?: number; maxBusy?: number; timeoutMs?: number } = {}): Promise<{ ms: number; idle: boolean }> {
  const windowMs = o.windowMs ?? 400;
  const maxBusy = o.maxBusy ?? 0.1;
  const started = performance.now();
  let last = cpuMs(pid);
  for (;;) {
    await sleep(windowMs);
    const now = cpuMs(pid);
    const busy = (now - last) / windowMs;
    last = now;
    const ms = performance.now() - started;
    if (busy <= maxBusy) return { ms, idle: true };
    if (ms > (o.timeoutMs ?? 15_000)) return { ms, idle: false };
  }
}
