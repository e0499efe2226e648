import { describe, expect, it } from 'vitest';
import { createConsoleSender } from './console.js';
import { DevOutbox } from './outbox.js';
import type { OtpMessage } from './types.js';

const msg = (i: number): OtpMessage => ({
  to: '+15551230000',
  channel: 'sms',
  code: String(100000 + i),
  call_id: `CA${i}`,
  expires_at: '2030-01-01T00:05:00.000Z',
});
const clock = { now: () => Date.parse('2030-01-01T00:00:00.000Z') };

describe('console sender', () => {
  it('prints one line with the code (it is the delivery in development) and fills the outbox', async () => {
    const lines: string[] = [];
    const outbox = new DevOutbox();
    const sender = createConsoleSender({ outbox, write: (l) => lines.push(l), clock });
    expect(sender.name).toBe('console');
    expect(await sender.send(msg(1))).toEqual({ ok: true, provider_id: 'console:CA1' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('100001');
    expect(lines[0]).toContain('+15551230000');
    expect(lines[0]).not.toContain('\n');
    expect(outbox.list()).toEqual([{ ...msg(1), sent_at: '2030-01-01T00:00:00.000Z' }]);
  });

  it('with showCode false prints no code and still answers ok', async () => {
    const lines: string[] = [];
    const sender = createConsoleSender({ write: (l) => lines.push(l), showCode: false });
    expect((await sender.send(msg(7))).ok).toBe(true);
    expect(lines[0]).not.toContain('100007');
  });

  it('a throwing writer does not make send throw', async () => {
    const sender = createConsoleSender({
      write: () => {
        throw new Error('EPIPE');
      },
    });
    expect((await sender.send(msg(1))).ok).toBe(true);
  });
});

describe('DevOutbox', () => {
  it('is newest first and bounded', () => {
    const box = new DevOutbox(3);
    for (let i = 0; i < 5; i++) box.push({ ...msg(i), sent_at: `t${i}` });
    expect(box.list().map((e) => e.call_id)).toEqual(['CA4', 'CA3', 'CA2']);
  });

  it('list returns copies', () => {
    const box = new DevOutbox();
    box.push({ ...msg(1), sent_at: 't' });
    box.list()[0]!.code = 'tampered';
    expect(box.list()[0]!.code).toBe('100001');
    box.clear();
    expect(box.list()).toEqual([]);
  });

  it('defaults to 100 entries', () => {
    const box = new DevOutbox();
    for (let i = 0; i < 150; i++) box.push({ ...msg(i), sent_at: 't' });
    expect(box.list()).toHaveLength(100);
    expect(() => new DevOutbox(0)).toThrow(RangeError);
  });
});
