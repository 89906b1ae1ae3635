/**
 * Writes output into a headless terminal without parsing what would scroll out of it anyway.
 *
 * A run of plain text (printable characters, CR, LF and tab: no escape sequence, no other
 * control) that the parser meets in its ground state, on the normal screen with no scroll
 * region, changes only the buffer's lines and the cursor. If what follows a line break in that
 * run has more line breaks than the buffer holds lines (scrollback + rows), every line the
 * terminal holds afterwards comes from that tail, whatever came before it. So the text before
 * the cut is replaced by a carriage return and `rows` line feeds: the cursor ends where the full
 * text would leave it (the first column of a fresh bottom line, in the same colours), and the
 * tail does the rest. The result is the same buffer, byte for byte (`fast-forward.test.ts`
 * serializes both and compares).
 *
 * `cat` of a log in a flood is mostly such runs: the agent's snapshot screen (10,000 lines of
 * scrollback) and the recording's keyframe screen (200) parse only their last lines of it, and
 * so does the panel's terminal with what waited while it was busy (`yes` before a Ctrl-C).
 */

/** The terminal written into: xterm.js's, headless (agent) or in the page (panel). */
export interface FastForwardTerminal {
  readonly rows: number;
  readonly options: { readonly scrollback?: number | undefined };
  write(data: string | Uint8Array, callback?: () => void): void;
}

/** By default, skipping less than this is not worth an extra write. */
const MIN_SKIP = 64 * 1024;

interface Run {
  start: number;
  end: number;
  lineFeeds: number;
}

const LF = 10;
const CR = 13;
const TAB = 9;

/**
 * The runs of plain text in `data` with at least `minLineFeeds` line feeds. In UTF-8 bytes, a
 * C1 control (U+0080–U+009F) is 0xC2 followed by 0x80–0x9F; every other byte from 0x80 up is
 * part of a printable character.
 */
export function plainRuns(data: string | Uint8Array, minLineFeeds: number): Run[] {
  const bytes = typeof data !== 'string';
  const runs: Run[] = [];
  let start = 0;
  let lineFeeds = 0;
  const close = (end: number): void => {
    if (lineFeeds >= minLineFeeds) runs.push({ start, end, lineFeeds });
    lineFeeds = 0;
  };
  for (let i = 0; i < data.length; i++) {
    const c = bytes ? (data[i] ?? 0) : data.charCodeAt(i);
    if (c === LF) {
      lineFeeds++;
      continue;
    }
    const c1 = bytes && c === 0xc2 && (data[i + 1] ?? 0) < 0xa0;
    if (bytes ? plainAscii(c) || (c >= 0x80 && !c1) : plainUnit(c)) continue;
    close(i);
    // A run starts on a character: after a C1 control's two bytes, not between them.
    if (c1) i++;
    start = i + 1;
  }
  close(data.length);
  return runs;
}

/**
 * The line feeds in `data` if all of it is plain text (printable characters, CR, LF and tab),
 * else undefined. A queue of output counts these to know whether a fast-forward could skip.
 */
export function plainLineFeeds(data: string): number | undefined {
  let lineFeeds = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c === LF) lineFeeds++;
    else if (!plainUnit(c)) return undefined;
  }
  return lineFeeds;
}

/** Printable ASCII, CR or tab (LF is counted apart). */
function plainAscii(c: number): boolean {
  return (c >= 0x20 && c < 0x7f) || c === CR || c === TAB;
}

/** A UTF-16 code unit of plain text other than LF: all from U+00A0 up prints (no C1 control). */
function plainUnit(c: number): boolean {
  return plainAscii(c) || c >= 0xa0;
}

/** The line feeds a run of plain text needs before a fast-forward of `terminal` can skip it. */
export function skippableLineFeeds(terminal: FastForwardTerminal): number {
  return keepLines(terminal) + terminal.rows;
}

/** Lines the tail of a skipped run must keep: all the terminal holds, and one more. */
function keepLines(terminal: FastForwardTerminal): number {
  return (terminal.options.scrollback ?? 1000) + terminal.rows + 1;
}

/**
 * Where to cut `run` so that the text from the cut on has at least `keep` line feeds: just after
 * a CR LF, with at least `rows` line feeds before it. Undefined if the run is too short.
 */
export function cutPoint(
  data: string | Uint8Array,
  run: Run,
  keep: number,
  rows: number,
  minSkip = MIN_SKIP,
): number | undefined {
  const bytes = typeof data !== 'string';
  const at = (i: number): number => (bytes ? (data[i] ?? 0) : data.charCodeAt(i));
  let kept = 0;
  for (let i = run.end - 1; i > run.start; i--) {
    if (at(i) !== LF) continue;
    kept++;
    if (kept <= keep || at(i - 1) !== CR) continue;
    // Line feeds before the cut, this one included: the cursor must have reached the bottom.
    if (run.lineFeeds - kept + 1 < rows) return undefined;
    return i + 1 - run.start >= minSkip ? i + 1 : undefined;
  }
  return undefined;
}

/** The terminal's private state: a parser in its ground state, normal screen, no margins. */
function canSkip(terminal: FastForwardTerminal): boolean {
  const core = (terminal as unknown as { _core?: Record<string, unknown> })._core;
  const parser = (core?._inputHandler as { _parser?: { currentState?: unknown } } | undefined)
    ?._parser;
  const buffers = core?.buffers as { active?: unknown; normal?: unknown } | undefined;
  const buffer = core?.buffer as { scrollTop?: unknown; scrollBottom?: unknown } | undefined;
  return (
    parser?.currentState === 0 &&
    buffers?.active !== undefined &&
    buffers.active === buffers.normal &&
    buffer?.scrollTop === 0 &&
    buffer.scrollBottom === terminal.rows - 1
  );
}

function write(terminal: FastForwardTerminal, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => terminal.write(data, resolve));
}

function part(data: string | Uint8Array, from: number, to?: number): string | Uint8Array {
  return typeof data === 'string' ? data.slice(from, to) : data.subarray(from, to);
}

/**
 * Writes `data` into `terminal` and resolves once it is parsed, leaving the terminal exactly as
 * writing it whole would, with the characters it did not need to parse. Any state the skip needs
 * but cannot see for sure (the parser inside a sequence, the alternate screen, a scroll region,
 * xterm's internals not where expected) means that run is written whole.
 */
export async function writeFastForward(
  terminal: FastForwardTerminal,
  data: string | Uint8Array,
  minSkip = MIN_SKIP,
): Promise<number> {
  const rows = terminal.rows;
  const keep = keepLines(terminal);
  let from = 0;
  let skipped = 0;
  for (const run of plainRuns(data, skippableLineFeeds(terminal))) {
    const cut = cutPoint(data, run, keep, rows, minSkip);
    if (cut === undefined) continue;
    if (run.start > from) await write(terminal, part(data, from, run.start));
    from = run.start;
    if (!canSkip(terminal) || terminal.rows !== rows) continue;
    await write(terminal, `\r${'\n'.repeat(rows)}`);
    skipped += cut - run.start;
    from = cut;
  }
  await write(terminal, from === 0 ? data : part(data, from));
  return skipped;
}
