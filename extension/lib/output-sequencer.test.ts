import { describe, expect, it } from 'vitest';
import { OutputSequencer } from './output-sequencer.js';

const out = (seq: number, data: string) => ({ sessionId: 's', seq, data });
const snap = (seq: number, data: string, final: boolean) => ({
  sessionId: 's',
  seq,
  cols: 80,
  rows: 24,
  data,
  final,
});

describe('OutputSequencer', () => {
  it('writes output once, in seq order, and acks duplicates too', () => {
    const s = new OutputSequencer();
    expect(s.output(out(1, 'a')).write).toBe('a');
    expect(s.output(out(2, 'b')).write).toBe('b');
    const dup = s.output(out(2, 'b'));
    expect(dup).toEqual({ reset: false, write: '', ack: 1 });
    expect(s.resumeFrom).toBe(3);
  });

  it('lets a snapshot replace the screen, then follows live output after it', () => {
    const s = new OutputSequencer();
    s.output(out(1, 'old'));
    const first = s.snapshotChunk(snap(10, 'screen-', false));
    expect(first.reset).toBe(true);
    expect(s.snapshotChunk(snap(10, 'rest', true))).toEqual({
      reset: false,
      write: 'rest',
      ack: 4,
    });
    expect(s.output(out(10, 'covered')).write).toBe('');
    expect(s.output(out(11, 'new')).write).toBe('new');
  });

  it('skips a snapshot the view already has', () => {
    const s = new OutputSequencer();
    for (let i = 1; i <= 5; i++) s.output(out(i, 'x'));
    expect(s.snapshotChunk(snap(4, 'aa', false))).toEqual({ reset: false, write: '', ack: 2 });
    expect(s.snapshotChunk(snap(4, 'bb', true)).write).toBe('');
    expect(s.lastSeq).toBe(5);
  });
});
