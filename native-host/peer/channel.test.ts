import { describe, expect, it } from 'vitest';
import { PIECE_CHARS, Reassembler, toPieces } from './channel.js';

describe('data channel pieces', () => {
  it('round-trips small and large messages', () => {
    const r = new Reassembler();
    for (const value of [{ a: 1 }, { data: 'x'.repeat(PIECE_CHARS * 3 + 7) }]) {
      const pieces = toPieces(JSON.stringify(value));
      for (const p of pieces) expect(p.length).toBeLessThanOrEqual(PIECE_CHARS + 1);
      const results = pieces.map((p) => r.push(p));
      expect(results.at(-1)).toEqual({ kind: 'message', value });
      expect(results.slice(0, -1).every((x) => x.kind === 'partial')).toBe(true);
    }
  });

  it('refuses over 1 MiB without buffering it, then carries on', () => {
    const r = new Reassembler();
    const pieces = toPieces(JSON.stringify({ data: 'y'.repeat(1024 * 1024 + 10) }));
    const results = pieces.map((p) => r.push(p));
    expect(results.at(-1)?.kind).toBe('too_large');
    expect(r.push(toPieces('{"ok":true}')[0])).toEqual({ kind: 'message', value: { ok: true } });
  });

  it('reports junk as malformed', () => {
    const r = new Reassembler();
    expect(r.push(42).kind).toBe('malformed');
    expect(r.push('xyz').kind).toBe('malformed');
    expect(r.push('0{nope').kind).toBe('malformed');
  });
});
