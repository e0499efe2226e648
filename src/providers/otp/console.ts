// Development delivery: one human line on the console and an entry in the dev outbox. In development
// that line IS the delivery, so the code appears in it by design. With `showCode: false` (production)
// the line hides the code and nothing reaches the caller: console is not a production channel.
import { systemClock, type Clock } from '../../kernel/ports.js';
import { DevOutbox } from './outbox.js';
import type { OtpMessage, OtpSender } from './types.js';


export interface ConsoleSenderOptions {
  outbox?: DevOutbox;
  write?: (line: string) => void;
  clock?: Clock;
  /** Print the code (development). Default true. */
  showCode?: boolean;
}

export function formatConsoleLine(msg: OtpMessage, showCode: boolean): string {
  const what = msg.channel === 'sms' ? 'SMS' : 'e-mail';
  const code = showCode ? msg.code : '[hidden outside development]';
  return `[callgate otp] ${what} to ${msg.to}: code ${code} (call ${msg.call_id}, expires ${msg.expires_at})`;
}

export function createConsoleSender(opts: ConsoleSenderOptions = {}): OtpSender {
  const write = opts.write ?? ((line: string) => console.log(line));
  const clock = opts.clock ?? systemClock;
  const showCode = opts.showCode ?? true;
  return {
    name: 'console',
    async send(msg) {
      try {
        write(formatConsoleLine(msg, showCode));
      } catch {
        // a broken stdout is not the caller's problem; the outbox still has it
      }
      opts.outbox?.push({ ...msg, sent_at: new Date(clock.now()).toISOString() });
      return { ok: true, provider_id: `console:${msg.call_id}` };
    },
  };
}
