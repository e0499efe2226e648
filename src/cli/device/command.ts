// What main hands each verb: the parsed flags, the I/O, and main's two ways out.
import type { ClientOptions, Env } from './settings.js';

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Env;
  fetch?: typeof fetch;
}

export const OPTIONS = {
  url: { type: 'string' },
  customer: { type: 'string' },
  device: { type: 'string' },
  did: { type: 'string' },
  'admin-token': { type: 'string' },
  // The push verbs (push.ts).
  number: { type: 'string' },
  challenge: { type: 'string' },
  wait: { type: 'string' },
  endpoint: { type: 'string' },
  p256dh: { type: 'string' },
  auth: { type: 'string' },
  'fcm-token': { type: 'string' },
  'apns-token': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type Flags = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** A verb as main runs it (enrolCommand, confirmCommand, listCommand): flags in, outcome printed, exit code out. */
export interface Command {
  values: Flags;
  io: Io;
  common: ClientOptions;
  /** A usage error: the message, the usage text, exit code 2. */
  fail: (message: string) => number;
  /** The result as JSON with --json, else its error or the verb's own lines; its exit code. */
  report: (result: { ok: boolean; exitCode: number; message?: string }, human: () => void) => number;
}
