import { describe, expect, it } from 'vitest';
import { activeSpeaker, gridFor, tileSize } from './layout.js';

describe('gridFor', () => {
  it('picks 1, 2, 4, 6 or 9 tiles for 1 to 12 people, with a +N tile past 9', () => {
    const table = Array.from({ length: 12 }, (_, i) => {
      const g = gridFor(i + 1);
      return `${i + 1}: ${g.cols}x${g.rows} shown ${g.shown}${g.overflow > 0 ? ` +${g.overflow}` : ''}`;
    });
    expect(table).toEqual([
      '1: 1x1 shown 1',
      '2: 2x1 shown 2',
      '3: 2x2 shown 3',
      '4: 2x2 shown 4',
      '5: 3x2 shown 5',
      '6: 3x2 shown 6',
      '7: 3x3 shown 7',
      '8: 3x3 shown 8',
      '9: 3x3 shown 9',
      '10: 3x3 shown 8 +2',
      '11: 3x3 shown 8 +3',
      '12: 3x3 shown 8 +4',
    ]);
    for (let n = 1; n <= 12; n++) {
      const g = gridFor(n);
      expect(g.cols * g.rows).toBe(g.slots);
      expect(g.shown + (g.overflow > 0 ? 1 : 0)).toBeLessThanOrEqual(g.slots);
      expect(g.shown + g.overflow).toBe(n);
    }
  });

  it('stacks in a portrait window and treats nobody as one tile', () => {
    expect(gridFor(2, false)).toMatchObject({ cols: 1, rows: 2 });
    expect(gridFor(6, false)).toMatchObject({ cols: 2, rows: 3 });
    expect(gridFor(0)).toMatchObject({ slots: 1, shown: 1 });
  });
});

describe('tileSize', () => {
  it('keeps the aspect ratio whichever side limits it', () => {
    // Wide window: height limits. 2x2 in 1000x400 with gap 8: cell 496x196 → 348x196.
    expect(tileSize(1000, 400, 2, 2)).toEqual({ width: 348, height: 196 });
    // Tall window: width limits. 1x2 in 400x1000: cell 400x496 → 400x225.
    expect(tileSize(400, 1000, 1, 2)).toEqual({ width: 400, height: 225 });
    for (const [w, h] of [
      [320, 240],
      [1280, 800],
      [500, 900],
    ] as const) {
      const t = tileSize(w, h, 3, 3);
      expect(t.width * 3 + 16).toBeLessThanOrEqual(w);
      expect(t.height * 3 + 16).toBeLessThanOrEqual(h);
      expect(Math.abs(t.width / t.height - 16 / 9)).toBeLessThan(0.05);
    }
  });

  it('never goes negative in a window too small for the gaps', () => {
    expect(tileSize(10, 10, 3, 3)).toEqual({ width: 0, height: 0 });
  });
});

describe('activeSpeaker', () => {
  const levels = (entries: Record<string, number>): Map<string, number> =>
    new Map(Object.entries(entries));

  it('is nobody in silence and the loudest once someone speaks', () => {
    expect(activeSpeaker(levels({ a: 0.001, b: 0.01 }), undefined)).toBeUndefined();
    expect(activeSpeaker(levels({ a: 0.05, b: 0.2 }), undefined)).toBe('b');
  });

  it('keeps the current speaker unless someone is clearly louder or they stop', () => {
    expect(activeSpeaker(levels({ a: 0.1, b: 0.12 }), 'a')).toBe('a');
    expect(activeSpeaker(levels({ a: 0.1, b: 0.2 }), 'a')).toBe('b');
    expect(activeSpeaker(levels({ a: 0.001, b: 0.03 }), 'a')).toBe('b');
    expect(activeSpeaker(levels({ a: 0.001, b: 0.001 }), 'a')).toBeUndefined();
  });
});
