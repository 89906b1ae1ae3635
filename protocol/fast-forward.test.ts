import { describe, expect, it } from 'vitest';
import { plainRuns, writeFastForward } from './fast-forward.js';
import { random, testScreen as screen } from './fast-forward-testing.js';

const PIECES = [
  '\x1b[31m',
  '\x1b[0m',
  '\x1b[1;44m',
  '\x1b[2J\x1b[H',
  '\x1b[3A',
  '\x1b[H',
  '\x1b[5;30H',
  '\x1b[?1049h',
  '\x1b[?1049l',
  '\x1b[2;5r',
  '\x1b[r',
  '\x1b]0;title\x07',
  '\x1b]0;a title\r\nwith line breaks\r\n',
  '\x07',
  '\b\b',
  '\x1b[4h',
  '\x1b[4l',
  '\x1b(0',
  '\x1b(B',
  '\u0085',
  'wide 漢字 text é',
  '\t',
];

function plainLines(next: (n: number) => number, count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) {
    // Most fit a row, so line feeds and rows match closely; some wrap.
    const length = next(5) === 0 ? next(90) : next(38);
    let line = '';
    for (let j = 0; j < length; j++) line += String.fromCharCode(0x21 + next(94));
    if (next(10) === 0) line += `\r${'x'.repeat(next(20))}`; // overwritten from the start
    if (next(15) === 0) line += '\t|';
    text += `${line}\r\n`;
  }
  return text;
}

function session(seed: number): string[] {
  const next = random(seed);
  const parts: string[] = [];
  for (let i = 0; i < 12; i++) {
    let chunk = '';
    const pieces = next(4);
    for (let j = 0; j < pieces; j++) chunk += PIECES[next(PIECES.length)] ?? '';
    chunk += plainLines(next, next(3) === 0 ? next(10) : 40 + next(120));
    if (next(3) === 0) chunk += PIECES[next(PIECES.length)] ?? '';
    // Cut anywhere, even inside a sequence: the next write finishes it.
    const split = next(chunk.length);
    parts.push(chunk.slice(0, split), chunk.slice(split));
  }
  return parts;
}

/** The terminal's state after each part, then after a probe that depends on all of it. */
async function replay(parts: (string | Uint8Array)[], fast: boolean): Promise<[string[], number]> {
  const { terminal, state } = screen();
  const states: string[] = [];
  let skipped = 0;
  for (const part of parts) {
    if (fast) skipped += await writeFastForward(terminal, part, 0);
    else await new Promise<void>((resolve) => terminal.write(part, resolve));
    states.push(state());
  }
  // What follows depends on the whole state (cursor, pending wrap, attributes, modes).
  const probe = '\x1b[2Aafter\x1b[5Gmid\r\nend-of-test';
  await new Promise<void>((resolve) => terminal.write(probe, resolve));
  states.push(state());
  terminal.dispose();
  return [states, skipped];
}

describe('writeFastForward', () => {
  it('leaves the terminal as writing everything would, and skips most of a plain flood', async () => {
    let skippedInAll = 0;
    let withSkips = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const parts = session(seed);
      const [full] = await replay(parts, false);
      const [fast, skipped] = await replay(parts, true);
      expect(fast, `seed ${seed}`).toEqual(full);
      skippedInAll += skipped;
      if (skipped > 0) withSkips++;
      // The same bytes as UTF-8 (how the agent's worker gets them).
      const encoder = new TextEncoder();
      const [bytes] = await replay(
        parts.map((p) => encoder.encode(p)),
        true,
      );
      expect(bytes, `seed ${seed}, bytes`).toEqual(full);
    }
    console.log({ withSkips, skippedInAll });
    expect(withSkips).toBeGreaterThan(12);
    expect(skippedInAll).toBeGreaterThan(50_000);
  });

  it('skips nothing inside a sequence, on the alternate screen or in a scroll region', async () => {
    const flood = plainLines(random(7), 400);
    for (const before of ['\x1b]0;', '\x1b[?1049h', '\x1b[2;6r', '\x1bP']) {
      const [full] = await replay([before, flood], false);
      const [fast, skipped] = await replay([before, flood], true);
      expect(fast).toEqual(full);
      expect(skipped, JSON.stringify(before)).toBe(0);
    }
  });

  it('finds the plain runs: C1 controls and escapes end them, in text and in UTF-8', () => {
    const text = 'ab\r\ncd\n\x1b[0mef\n\u0085gh\n\n';
    expect(plainRuns(text, 1)).toEqual([
      { start: 0, end: 7, lineFeeds: 2 },
      // "[0m" is plain: whether a run starts inside a sequence is the parser's to say.
      { start: 8, end: 14, lineFeeds: 1 },
      { start: 15, end: 19, lineFeeds: 2 },
    ]);
    const bytes = new TextEncoder().encode('é\n\u0085x\n');
    expect(plainRuns(bytes, 1)).toEqual([
      { start: 0, end: 3, lineFeeds: 1 },
      { start: 5, end: 7, lineFeeds: 1 },
    ]);
  });
});
