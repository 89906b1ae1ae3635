import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { OutputBuffer, type OutputChunk } from './output-buffer.js';

describe('OutputBuffer', () => {
  it('keeps recent chunks within its bound and hands evicted ones over in order', () => {
    const evicted: OutputChunk[] = [];
    const buffer = new OutputBuffer(10, (c) => evicted.push(c));
    for (let seq = 1; seq <= 6; seq++) buffer.push({ seq, data: 'abcd' });
    expect(buffer.size).toBeLessThanOrEqual(10);
    expect(evicted.map((c) => c.seq)).toEqual([1, 2, 3, 4]);
    expect(buffer.firstSeq(7)).toBe(5);
    expect(buffer.from(5, 7)?.map((c) => c.seq)).toEqual([5, 6]);
    expect(buffer.from(6, 7)?.map((c) => c.seq)).toEqual([6]);
    expect(buffer.from(7, 7)).toEqual([]);
    expect(buffer.from(4, 7)).toBeUndefined();
  });

  it('always keeps the newest chunk even when it alone exceeds the bound', () => {
    const buffer = new OutputBuffer(3, () => {});
    buffer.push({ seq: 1, data: 'abcdef' });
    expect(buffer.from(1, 2)?.length).toBe(1);
  });

  it('lets go of evicted chunks at once, not at the next compaction', async () => {
    // A context made after this flag has `gc`, which is how a test sees what is still held.
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc !== 'function') throw new Error('no gc');
    const buffer = new OutputBuffer(100, () => {});
    const pushed = (seq: number): WeakRef<OutputChunk> => {
      const chunk = { seq, data: 'x'.repeat(60) };
      buffer.push(chunk);
      return new WeakRef(chunk);
    };
    const first = pushed(1);
    for (let seq = 2; seq <= 10; seq++) pushed(seq);
    // A WeakRef holds its target until the current job ends.
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(first.deref()).toBeUndefined();
    expect(buffer.from(10, 11)?.map((c) => c.seq)).toEqual([10]);
  });

  it('stays correct after compaction of many evicted chunks', () => {
    const buffer = new OutputBuffer(100, () => {});
    for (let seq = 1; seq <= 5000; seq++) buffer.push({ seq, data: 'x'.repeat(10) });
    expect(buffer.from(4991, 5001)?.map((c) => c.seq)).toEqual([
      4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999, 5000,
    ]);
  });
});
