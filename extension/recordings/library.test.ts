import { describe, expect, it } from 'vitest';
import type { RecordingInfo } from '../../protocol/index.js';
import { MIB, parseLimit, reconcile, sortRecordings } from './library.js';

const info = (recordingId: string, startedAt: string): RecordingInfo => ({
  recordingId,
  sessionId: 's',
  name: 'bash',
  device: { kind: 'pty', label: 'bash' },
  participants: [],
  startedAt,
  durationMs: 1000,
  bytes: 100,
  live: false,
});

describe('library', () => {
  it('mirrors the agent list: puts what it lists, removes what it no longer has', () => {
    const rows = [
      { ...info('a', '2025-01-01T00:00:00Z'), seenAt: 1 },
      { ...info('gone', '2025-01-02T00:00:00Z'), seenAt: 1 },
    ];
    const { put, remove } = reconcile(
      rows,
      [info('a', '2025-01-01T00:00:00Z'), info('b', '2025-01-03T00:00:00Z')],
      9,
    );
    expect(put.map((r) => [r.recordingId, r.seenAt])).toEqual([
      ['a', 9],
      ['b', 9],
    ]);
    expect(remove).toEqual(['gone']);
  });

  it('sorts newest first', () => {
    const sorted = sortRecordings([
      info('old', '2024-01-01T00:00:00Z'),
      info('new', '2025-01-01T00:00:00Z'),
    ]);
    expect(sorted.map((r) => r.recordingId)).toEqual(['new', 'old']);
  });

  it('parses retention limits: empty clears, junk is refused', () => {
    expect(parseLimit('', MIB)).toBeNull();
    expect(parseLimit(' 500 ', MIB)).toBe(500 * MIB);
    expect(parseLimit('7', 1)).toBe(7);
    expect(parseLimit('-1', 1)).toBeUndefined();
    expect(parseLimit('abc', 1)).toBeUndefined();
  });
});
