import { describe, expect, it } from 'vitest';
import { fitScale } from './viewer-fit.js';

describe('fitScale', () => {
  it('shrinks a wide device to the narrower side of the host', () => {
    expect(fitScale({ width: 1000, height: 500 }, { width: 500, height: 400 })).toBe(0.5);
    expect(fitScale({ width: 400, height: 800 }, { width: 500, height: 400 })).toBe(0.5);
  });

  it('never enlarges, and stops at the floor (the host scrolls beyond it)', () => {
    expect(fitScale({ width: 100, height: 100 }, { width: 500, height: 400 })).toBe(1);
    expect(fitScale({ width: 10_000, height: 100 }, { width: 500, height: 400 })).toBe(0.35);
  });

  it('leaves an unmeasured terminal alone', () => {
    expect(fitScale({ width: 0, height: 0 }, { width: 500, height: 400 })).toBe(1);
  });
});
