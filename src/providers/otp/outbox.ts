// In-memory record of what the console sender "sent", for the dev-only GET /admin/outbox.
// Bounded, newest first. Holds codes in clear on purpose: it exists only in development.
import type { OtpMessage } from './types.js';

export interface OutboxEntry extends OtpMessage {
  /** ISO 8601 time the console sender handled it. */
  sent_at: string;
}

export class DevOutbox {
  private readonly entries: OutboxEntry[] = [];

  constructor(readonly max = 100) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('DevOutbox max must be a positive integer');
  }

  push(entry: OutboxEntry): void {
    this.entries.unshift({ ...entry });
    if (this.entries.length > this.max) this.entries.length = this.max;
  }

  /** Newest first; a copy. */
  list(): OutboxEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  clear(): void {
    this.entries.length = 0;
  }
}
