// The small interfaces that core code receives instead of reaching for globals,
// so tests move a fake clock, pin randomness and capture logs.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export type LogFields = Record<string, unknown>;

/** Structured JSON lines. Never pass a code, answer, token or secret in `fields`. */
export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export function jsonLogger(write: (line: string) => void = (l) => console.log(l)): Logger {
  const emit = (level: string) => (event: string, fields?: LogFields) =>
    write(JSON.stringify({ at: new Date().toISOString(), level, event, ...fields }));
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
