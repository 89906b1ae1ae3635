import {
  plainLineFeeds,
  skippableLineFeeds,
  writeFastForward,
  type FastForwardTerminal,
} from '../../protocol/index.js';

/** What xterm is given ahead of its parser; the rest waits here, where it can be skipped. */
const IN_XTERM_CHARS = 64 * 1024;

interface Waiting {
  data: string;
  /** Clear the terminal (a snapshot replaces the screen from here on); `data` is empty. */
  reset?: true;
  /** Its line feeds if it is all plain text (see protocol/fast-forward.ts). */
  lineFeeds: number | undefined;
  /** Called once the data is in the terminal (parsed or skipped), or the reset done. */
  parsed: () => void;
}

/** The terminal a feed writes into: xterm's, as far as the feed uses it. */
export interface FeedTerminal extends FastForwardTerminal {
  write(data: string, callback?: () => void): void;
  reset(): void;
}

/**
 * Output on its way into a view's xterm, in order. xterm is given at most IN_XTERM_CHARS ahead
 * of its parser; the rest waits here. When what waits is plain text with more lines than the
 * terminal holds (scrollback and screen), it is written as one, fast-forwarded
 * (`protocol/fast-forward.ts`): the text that would scroll past the scrollback anyway is not
 * parsed, and the terminal ends up exactly as if it had been. That is the window of `yes` in
 * flight when someone presses Ctrl-C: ~85,000 lines, of which the prompt after it needs 10,000
 * parsed. A `cat` of a log in flight is ~3,700 lines, fewer than the terminal holds: it is
 * parsed whole, a write at a time, as before.
 */
export class TerminalFeed {
  private readonly waiting: Waiting[] = [];
  /** Characters handed to xterm and not yet parsed. */
  private inXterm = 0;
  private forwarding = false;
  /** Characters fast-forwarded through rather than parsed (tests and the bench). */
  skipped = 0;

  constructor(
    private readonly term: FeedTerminal,
    private readonly aheadChars = IN_XTERM_CHARS,
  ) {}

  /** Writes `data`; `parsed` is called once it is in the terminal (parsed or skipped). */
  write(data: string, parsed: () => void): void {
    this.waiting.push({ data, lineFeeds: plainLineFeeds(data), parsed });
    this.feed();
  }

  /** Clears the terminal once everything written before is in; then calls `then`. */
  reset(then: () => void = () => undefined): void {
    this.waiting.push({ data: '', reset: true, lineFeeds: undefined, parsed: then });
    this.feed();
  }

  private feed(): void {
    while (!this.forwarding && this.waiting.length > 0) {
      const plain = this.plainAhead();
      if (plain > 0) {
        // Skippable: once xterm has parsed what it was given, the parser's state is known.
        if (this.inXterm === 0) this.fastForward(plain);
        return;
      }
      const next = this.waiting[0];
      if (next === undefined) return;
      if (next.reset === true) {
        if (this.inXterm > 0) return;
        this.waiting.shift();
        this.term.reset();
        next.parsed();
        continue;
      }
      if (this.inXterm >= this.aheadChars) return;
      this.waiting.shift();
      const chars = next.data.length;
      this.inXterm += chars;
      this.term.write(next.data, () => {
        this.inXterm -= chars;
        next.parsed();
        this.feed();
      });
    }
  }

  /**
   * How many waiting writes from the first on make one run of plain text long enough to skip
   * through (0 if they do not).
   */
  private plainAhead(): number {
    const needed = skippableLineFeeds(this.term);
    let lineFeeds = 0;
    for (let i = 0; i < this.waiting.length; i++) {
      const count = this.waiting[i]?.lineFeeds;
      if (count === undefined) return 0;
      lineFeeds += count;
      if (lineFeeds > needed) {
        // Everything plain that waits goes in the one write.
        let end = i + 1;
        while (this.waiting[end]?.lineFeeds !== undefined) end++;
        return end;
      }
    }
    return 0;
  }

  private fastForward(count: number): void {
    const batch = this.waiting.splice(0, count);
    const data = batch.map((w) => w.data).join('');
    this.forwarding = true;
    this.inXterm += data.length;
    void writeFastForward(this.term, data, 0).then((skipped) => {
      this.skipped += skipped;
      this.inXterm -= data.length;
      this.forwarding = false;
      for (const w of batch) w.parsed();
      this.feed();
    });
  }
}
