// Node-only: structured log lines gathered per event-loop turn and written to stdout in one call.
// One synchronous write per audit event cost more than the event's database insert on a busy
// server; batching keeps every line, in order, a few microseconds later.

export function batchedStdout(stream: NodeJS.WritableStream = process.stdout): { write(line: string): void; flush(): void } {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const chunk = pending.join('\n') + '\n';
    pending = [];
    stream.write(chunk);
  };
  // Lines still queued when the process exits are written synchronously.
  process.once('exit', flush);
  return {
    write(line) {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
