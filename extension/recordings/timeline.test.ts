import { describe, expect, it } from 'vitest';
import {
  IDLE_LIMIT_MS,
  advanceClock,
  clampTime,
  formatBytes,
  formatDuration,
  keyframeBefore,
  percentAt,
  timeAtX,
} from './timeline.js';

const keyframes = [
  { t: 1000, offset: 500, eventsOffset: 400 },
  { t: 5000, offset: 900, eventsOffset: 800 },
  { t: 9000, offset: 1500, eventsOffset: 1400 },
];

describe('keyframeBefore', () => {
  it('takes the last keyframe at or before t', () => {
    expect(keyframeBefore(keyframes, 0)).toBeUndefined();
    expect(keyframeBefore(keyframes, 999)).toBeUndefined();
    expect(keyframeBefore(keyframes, 1000)?.t).toBe(1000);
    expect(keyframeBefore(keyframes, 4999)?.t).toBe(1000);
    expect(keyframeBefore(keyframes, 5000)?.t).toBe(5000);
    expect(keyframeBefore(keyframes, 1e9)?.t).toBe(9000);
    expect(keyframeBefore([], 10)).toBeUndefined();
  });
});

describe('timeline math', () => {
  it('maps pointer x to time and time to percent, clamped', () => {
    expect(timeAtX(100, 100, 400, 60_000)).toBe(0);
    expect(timeAtX(300, 100, 400, 60_000)).toBe(30_000);
    expect(timeAtX(900, 100, 400, 60_000)).toBe(60_000);
    expect(timeAtX(50, 100, 400, 60_000)).toBe(0);
    expect(timeAtX(10, 0, 0, 60_000)).toBe(0);
    expect(percentAt(15_000, 60_000)).toBe(25);
    expect(percentAt(99_000, 60_000)).toBe(100);
    expect(percentAt(5, 0)).toBe(0);
    expect(clampTime(Number.NaN, 10)).toBe(0);
  });

  it('formats durations and sizes', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65_400)).toBe('1:05');
    expect(formatDuration(3_600_000 + 61_000)).toBe('1:01:01');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(100 * 1024 * 1024)).toBe('100.0 MiB');
  });

  it('advances the clock by speed and shortens idle gaps', () => {
    expect(advanceClock(1000, 100, 2, 2500)).toBe(1200);
    expect(advanceClock(1000, 100, 0.5, undefined)).toBe(1050);
    expect(advanceClock(1000, 16, 1, 60_000)).toBe(60_000 - IDLE_LIMIT_MS);
  });
});
