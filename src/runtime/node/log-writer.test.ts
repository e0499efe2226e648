import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { batchedStdout } from './log-writer.js';

describe('batchedStdout', () => {
  it('writes every line, in order, in one chunk per event-loop turn', async () => {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c.toString()));
    const out = batchedStdout(stream);
    for (let i = 0; i < 5; i++) out.write(`{"n":${i}}`);
    expect(chunks).toEqual([]);
    await new Promise((r) => setImmediate(r));
    out.write('{"n":5}');
    out.flush();
    await new Promise((r) => setImmediate(r));
    expect(chunks).toEqual(['{"n":0}\n{"n":1}\n{"n":2}\n{"n":3}\n{"n":4}\n', '{"n":5}\n']);
  });
});
