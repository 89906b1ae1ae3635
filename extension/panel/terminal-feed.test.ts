import { describe, expect, it } from 'vitest';
import { random, testScreen as screen } from '../../protocol/fast-forward-testing.js';
import { TerminalFeed } from './terminal-feed.js';

const PIECES = ['\x1b[31m', '\x1b[0m', '\x1b[2J\x1b[H', '\x1b[?1049h', '\x1b[?1049l', '\x1b[2;5r'];

/** Output as it arrives: `yes`-like floods, log lines, escape sequences, cut anywhere. */
function session(seed: number): string[] {
  const next = random(seed);
  const parts: string[] = [];
  for (let i = 0; i < 30; i++) {
    let chunk = next(4) === 0 ? (PIECES[next(PIECES.length)] ?? '') : '';
    const lines = next(3) === 0 ? next(5) : 20 + next(60);
    for (let j = 0; j < lines; j++) {
      chunk += next(2) === 0 ? 'y\r\n' : `line ${i}.${j} ${'x'.repeat(next(50))}\r\n`;
    }
    if (next(5) === 0) chunk += PIECES[next(PIECES.length)] ?? '';
    const split = next(chunk.length);
    parts.push(chunk.slice(0, split), chunk.slice(split));
  }
  return parts;
}

async function direct(parts: (string | 'reset')[]): Promise<string> {
  const { terminal, state } = screen();
  for (const part of parts) {
    if (part === 'reset') terminal.reset();
    else await new Promise<void>((resolve) => terminal.write(part, resolve));
  }
  const result = state();
  terminal.dispose();
  return result;
}

/** Everything handed to a feed at once (a burst that queued), then waited for. */
async function fed(
  parts: (string | 'reset')[],
): Promise<{ state: string; skipped: number; order: number[] }> {
  const { terminal, state } = screen();
  const feed = new TerminalFeed(terminal, 256);
  const order: number[] = [];
  await new Promise<void>((resolve) => {
    parts.forEach((part, i) => {
      const done = (): void => {
        order.push(i);
        if (i === parts.length - 1) resolve();
      };
      if (part === 'reset') feed.reset(done);
      else feed.write(part, done);
    });
  });
  const result = { state: state(), skipped: feed.skipped, order };
  terminal.dispose();
  return result;
}

describe('TerminalFeed', () => {
  it('leaves the terminal as writing everything in order would, skipping plain floods', async () => {
    let skipped = 0;
    for (let seed = 1; seed <= 16; seed++) {
      const parts: (string | 'reset')[] = session(seed);
      if (seed % 4 === 0) parts.splice(parts.length / 2, 0, 'reset');
      const got = await fed(parts);
      expect(got.state, `seed ${seed}`).toBe(await direct(parts));
      // Every write and reset is reported once, in order.
      expect(got.order).toEqual(parts.map((_, i) => i));
      skipped += got.skipped;
    }
    expect(skipped).toBeGreaterThan(10_000);
  });

  it('fast-forwards a backlog of `yes` to what the scrollback holds', async () => {
    const parts = Array.from({ length: 50 }, () => 'y\r\n'.repeat(200));
    const got = await fed(parts);
    expect(got.state).toBe(await direct(parts));
    // 10,000 lines of 3 characters; the terminal holds 38 lines.
    expect(got.skipped).toBeGreaterThan(29_000);
  });

  it('parses everything while what waits is shorter than the terminal holds', async () => {
    const parts = Array.from({ length: 20 }, (_, i) => `line ${i}\r\n`);
    const got = await fed(parts);
    expect(got.state).toBe(await direct(parts));
    expect(got.skipped).toBe(0);
  });

  describe('while nobody sees the terminal', () => {
    /** Output arriving a piece at a time, `gapMs` apart, into a feed of a hidden page. */
    async function trickled(
      parts: string[],
      gapMs: number,
      hold: { chars: number; ms: number },
      shown?: { after: number; paced?: boolean },
    ): Promise<{ state: string; skipped: number; parsedAt: number[] }> {
      const { terminal, state } = screen();
      let hidden = true;
      const feed = new TerminalFeed(terminal, 256, () => hidden, hold);
      const parsedAt: number[] = [];
      const started = performance.now();
      await new Promise<void>((resolve) => {
        void (async () => {
          for (const [i, part] of parts.entries()) {
            if (shown !== undefined && i === shown.after) {
              hidden = false;
              feed.release();
            }
            const parsed = new Promise<void>((done) =>
              feed.write(part, () => {
                parsedAt[i] = performance.now() - started;
                done();
                if (parsedAt.filter((t) => t !== undefined).length === parts.length) resolve();
              }),
            );
            // Paced: a page that keeps up parses each piece before the next comes.
            if (shown?.paced === true) await parsed;
            if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
          }
        })();
      });
      const result = { state: state(), skipped: feed.skipped, parsedAt };
      feed.dispose();
      terminal.dispose();
      return result;
    }

    it('holds a flood back and skips through it in long runs, ending exactly as parsed', async () => {
      // 200 pieces of 10 lines each, arriving as a flood does: each piece alone is shorter than
      // the terminal holds (38 lines), so a feed that never holds parses every line.
      const parts = Array.from({ length: 200 }, (_, i) =>
        Array.from({ length: 10 }, (_, j) => `line ${i}.${j}\r\n`).join(''),
      );
      const total = parts.join('').length;
      const held = await trickled(parts, 1, { chars: 5000, ms: 1000 });
      expect(held.state).toBe(await direct(parts));
      // Runs of 5,000 characters (~400 lines), of which the last ~50 are parsed.
      expect(held.skipped).toBeGreaterThan(total * 0.8);
      // The same pieces, each parsed before the next comes, on a page someone sees: no skips.
      const seen = await trickled(parts, 1, { chars: 5000, ms: 1000 }, { after: 0, paced: true });
      expect(seen.state).toBe(held.state);
      expect(seen.skipped).toBe(0);
    });

    it('keeps output that is not plain text moving: held for the hold, then parsed in turn', async () => {
      const parts = session(7);
      const got = await trickled(parts, 0, { chars: 1_000_000, ms: 30 });
      expect(got.state).toBe(await direct(parts));
      // Nothing before the hold's time; then it flows. A feed that held again after each write
      // xterm parsed (60 of them, 30 ms each) would take about two seconds.
      const first = Math.min(...got.parsedAt);
      expect(first).toBeGreaterThanOrEqual(25);
      expect(Math.max(...got.parsedAt) - first).toBeLessThan(1000);
    });

    it('lets a short echo wait only for the hold, and not at all once the page is shown', async () => {
      const held = await trickled(['x'], 0, { chars: 1_000_000, ms: 60 });
      expect(held.parsedAt[0]).toBeGreaterThanOrEqual(55);
      const shown = await trickled(['a', 'b'], 5, { chars: 1_000_000, ms: 60_000 }, { after: 1 });
      // 'a' waited on its hold until the page was shown, 'b' came after: neither waited 60 s.
      expect(shown.state).toBe(await direct(['a', 'b']));
      expect(Math.max(...shown.parsedAt)).toBeLessThan(1000);
    });
  });
});
