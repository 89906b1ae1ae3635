import {
  plainLineFeeds,
  skippableLineFeeds,
  writeFastForward,
  type FastForwardTerminal,
} from '../../protocol/index.js';

/** What xterm is given ahead of its parser; the rest waits here, where it can be skipped. */
const IN_XTERM_CHARS = 64 * 1024;
/**
 * While nobody sees the terminal, output waits here until this much waits, or HOLD_MS has
 * passed since the first of it was held: a flood then waits as runs much longer than the
 * scrollback, and is fast-forwarded rather than parsed (a 4 M run of `cat` needs ~700 K of it
 * parsed).
 */
export const HOLD_CHARS = 4 * 1024 * 1024;
export const HOLD_MS = 200;

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
  /** Characters in `waiting`. */
  private waitingChars = 0;
  /** Hidden: what waits is held until this timer ends, or HOLD_CHARS wait. */
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * A hold is over (its time, its size, or someone may look): what waits goes in until none
   * waits, or until a run of it is fast-forwarded; then the next hold may start.
   */
  private flowing = false;
  private disposed = false;
  /** Characters fast-forwarded through rather than parsed (tests and the bench). */
  skipped = 0;

  constructor(
    private readonly term: FeedTerminal,
    private readonly aheadChars = IN_XTERM_CHARS,
    /** Nobody sees the terminal (the page is hidden): output may be held (see HOLD_CHARS). */
    private readonly unseen: () => boolean = () => false,
    private readonly hold = { chars: HOLD_CHARS, ms: HOLD_MS },
  ) {}

  /** Writes `data`; `parsed` is called once it is in the terminal (parsed or skipped). */
  write(data: string, parsed: () => void): void {
    this.waiting.push({ data, lineFeeds: plainLineFeeds(data), parsed });
    this.waitingChars += data.length;
    this.feed();
  }

  /** Someone may be looking again (the page is shown): what is held goes in now. */
  release(): void {
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.flowing = true;
    this.feed();
  }

  /** Drops the hold's timer (the view is gone); nothing more goes into the terminal. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
  }

  /** Clears the terminal once everything written before is in; then calls `then`. */
  reset(then: () => void = () => undefined): void {
    this.waiting.push({ data: '', reset: true, lineFeeds: undefined, parsed: then });
    this.feed();
  }

  private feed(): void {
    if (this.disposed || this.holding()) return;
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
      this.waitingChars -= chars;
      this.inXterm += chars;
      this.term.write(next.data, () => {
        this.inXterm -= chars;
        next.parsed();
        this.feed();
      });
    }
  }

  /**
   * Whether what waits stays here for now: only while xterm is idle and nobody sees it, until
   * HOLD_CHARS wait or the hold's time is up. Then what waits goes in (fast-forwarded where it
   * can be) until none waits or a run of it was fast-forwarded; then the next hold may start.
   */
  private holding(): boolean {
    if (this.waiting.length === 0) this.flowing = false;
    if (this.flowing || this.inXterm > 0 || this.forwarding || this.waiting.length === 0) {
      return false;
    }
    if (this.waitingChars >= this.hold.chars || !this.unseen()) {
      clearTimeout(this.holdTimer);
      this.holdTimer = undefined;
      this.flowing = true;
      return false;
    }
    this.holdTimer ??= setTimeout(() => {
      this.holdTimer = undefined;
      this.flowing = true;
      this.feed();
    }, this.hold.ms);
    return true;
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
    this.waitingChars -= data.length;
    // What waits after this run (what comes while it is skipped through, and anything behind
    // it that is not plain text) may be held again.
    this.flowing = false;
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
