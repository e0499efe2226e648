// One progress line while the bench runs: rewritten in place on a terminal, one line per update
// (throttled) when stdout is a file or a CI log.
const TTY = process.stdout.isTTY === true;
let last = '';
let lastPrinted = 0;
const started = performance.now();

const elapsed = () => {
  const s = Math.round((performance.now() - started) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

export function progress(text: string, force = false): void {
  const line = `[${elapsed()}] ${text}`;
  if (TTY) {
    const cols = process.stdout.columns ?? 120;
    process.stdout.write(`\r\x1b[K${line.slice(0, cols - 1)}`);
    last = line;
    return;
  }
  const now = performance.now();
  if (force || now - lastPrinted > 2_000) {
    process.stdout.write(`${line}\n`);
    lastPrinted = now;
  }
}

/** A permanent line (the progress line, if any, is cleared first). */
export function log(text = ''): void {
  if (TTY && last) {
    process.stdout.write('\r\x1b[K');
    last = '';
  }
  process.stdout.write(`${text}\n`);
}

export function endProgress(): void {
  if (TTY && last) process.stdout.write('\r\x1b[K');
  last = '';
}
