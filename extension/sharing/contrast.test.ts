import { describe, expect, it } from 'vitest';
import { AVATAR_COLORS } from '../../protocol/index.js';
import { contrastRatio, textOn } from './contrast.js';

describe('avatar text colour', () => {
  it('matches the WCAG ratio for black on white', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#777777')).toBeCloseTo(1, 5);
  });

  it('reads at 4.5:1 or better on every avatar colour', () => {
    for (const color of AVATAR_COLORS) {
      expect(contrastRatio(textOn(color), color), color).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('is white on a dark colour', () => {
    expect(textOn('#1f2a44')).toBe('#ffffff');
  });
});
