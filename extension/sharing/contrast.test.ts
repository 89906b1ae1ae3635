import { describe, expect, it } from 'vitest';
import { contrastRatio, textOn } from './contrast.js';

/** The agent's avatar colours (native-host/agent/presence.ts). */
const AVATAR_COLORS = [
  '#e06c75',
  '#61afef',
  '#98c379',
  '#e5c07b',
  '#c678dd',
  '#56b6c2',
  '#d19a66',
  '#f472b6',
];

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
