import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SETTLE_CHARS, SETTLE_MS, Settler } from './settle.js';

describe('Settler', () => {
  let collections: number;
  let settler: Settler;

  beforeEach(() => {
    vi.useFakeTimers();
    collections = 0;
    settler = new Settler(() => (collections += 1));
  });
  afterEach(() => {
    settler.stop();
    vi.useRealTimers();
  });

  it('collects once, SETTLE_MS after the last piece of a large burst', () => {
    for (let i = 0; i < 8; i++) {
      settler.worked(SETTLE_CHARS / 4);
      vi.advanceTimersByTime(SETTLE_MS / 2);
    }
    expect(collections).toBe(0);
    vi.advanceTimersByTime(SETTLE_MS / 2);
    expect(collections).toBe(1);
    vi.advanceTimersByTime(10 * SETTLE_MS);
    expect(collections).toBe(1);
  });

  it('leaves a small burst to V8, and counts anew after a collection', () => {
    settler.worked(SETTLE_CHARS - 1);
    vi.advanceTimersByTime(10 * SETTLE_MS);
    expect(collections).toBe(0);
    settler.worked(1);
    vi.advanceTimersByTime(SETTLE_MS);
    expect(collections).toBe(1);
    settler.worked(SETTLE_CHARS - 1);
    vi.advanceTimersByTime(10 * SETTLE_MS);
    expect(collections).toBe(1);
  });

  it('waits while work goes on, and is not kept waiting by idle ticks that did nothing', () => {
    settler.worked(SETTLE_CHARS);
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(SETTLE_MS / 2);
      settler.busy();
    }
    expect(collections).toBe(0);
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(SETTLE_MS / 4);
      settler.worked(0);
    }
    expect(collections).toBe(1);
  });

  it('collects after a terminal is let go of, however little output there was', () => {
    settler.freed();
    vi.advanceTimersByTime(SETTLE_MS);
    expect(collections).toBe(1);
  });
});
