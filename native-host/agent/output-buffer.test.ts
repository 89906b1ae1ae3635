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

  it('stays correct after compaction of many evicted chunks', () => {
    const buffer = new OutputBuffer(100, () => {});
    for (let seq = 1; seq <= 5000; seq++) buffer.push({ seq, data: 'x'.repeat(10) });
    expect(buffer.from(4991, 5001)?.map((c) => c.seq)).toEqual([
      4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999, 5000,
    ]);
  });
});
