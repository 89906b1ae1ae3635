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
});
