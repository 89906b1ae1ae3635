/**
 * Turns a session's output stream into plain text lines, the way a person reads them on
 * screen: colour and cursor codes dropped, carriage returns and backspaces overwrite, pager
 * prompts (`--More--`, `---(more 45%)---`) and their erasure removed. OSC 133 shell
 * integration marks are kept as positions in the line so the segmenter can use them.
 * No terminal emulation: full-screen programs come out as noise, which is why the
 * segmenter only trusts lines that end with a line feed.
 */

/** An OSC 133 mark: A prompt start, B command start, C output start, D command done. */
export interface ShellMark {
  kind: 'A' | 'B' | 'C' | 'D';
  /** Column in the line's text where the mark was printed. */
  column: number;
  /** Exit status on a D mark, when the shell gave one. */
  exitCode?: number;
}

export interface TextLine {
  text: string;
  /** Time (ms since the recording started) of the output that completed the line. */
  t: number;
  /** Time of the output that started the line. */
  startT: number;
  marks: ShellMark[];
}

/** Pager prompts of Linux `more`, Cisco/Arista/Huawei, Junos and less's end marker. */
const PAGER =
  /\s*(?:--\s?More\s?--(?:\s*\(\d+%\))?|---\s?\(more(?: \d+%)?\)\s?---|-{2,4}\s?More\s?-{2,4}|<--- More --->|\(END\))\s*/gi;

// eslint-disable-next-line no-control-regex
const OSC = /^\x1b\]([^\x07\x1b]*)(?:\x07|\x1b\\)/;
// eslint-disable-next-line no-control-regex
const CSI = /^\x1b\[([0-?]*)[ -/]*([@-~])/;

export class LineReader {
  constructor(private cols = 80) {}

  /** The terminal's width changed: long lines wrap at the new width from now on. */
  resize(cols: number): void {
    if (cols > 0) this.cols = cols;
  }

  private get cursor(): number {
    return this.row * this.cols + Math.min(this.col, this.cols);
  }

  private chars: string[] = [];
  /** Row within the logical line (a long line wraps at `cols`) and column within the row. */
  private row = 0;
  private col = 0;
  private marks: ShellMark[] = [];
  private startT = -1;
  private pending = '';
  private readonly done: TextLine[] = [];

  /** Feeds one output chunk printed at time `t`. */
  write(t: number, data: string): void {
    const text = this.pending + data;
    this.pending = '';
    let i = 0;
    while (i < text.length) {
      const ch = text[i] ?? '';
      if (ch === '\x1b') {
        const rest = text.slice(i, i + 512);
        const osc = OSC.exec(rest);
        if (osc) {
          this.osc(osc[1] ?? '', t);
          i += osc[0].length;
          continue;
        }
        const csi = CSI.exec(rest);
        if (csi) {
          this.csi(csi[1] ?? '', csi[2] ?? '');
          i += csi[0].length;
          continue;
        }
        if (unfinished(rest)) {
          // An escape sequence cut by the chunk boundary: finish it with the next chunk.
          this.pending = rest;
          break;
        }
        // Two-character escapes (ESC =, ESC >, ESC 7…) and anything else: skip ESC + one.
        i += 2;
        continue;
      }
      if (ch === '\n') {
        this.endLine(t);
      } else if (ch === '\r') {
        this.col = 0;
      } else if (ch === '\b') {
        this.col = Math.max(0, Math.min(this.col, this.cols - 1) - 1);
      } else if (ch === '\t') {
        this.put(' ', t);
        while (this.col % 8 !== 0 && this.col < this.cols) this.put(' ', t);
      } else if (ch >= ' ' && ch !== '\x7f') {
        this.put(ch, t);
      }
      i += 1;
    }
  }

  /** Lines completed since the last call. */
  take(): TextLine[] {
    return this.done.splice(0, this.done.length);
  }

  /** The unfinished line at the cursor (a prompt waiting for input), as displayed now. */
  current(): string {
    return clean(this.chars.join(''));
  }

  /** Whether the unfinished line ends with an OSC 133 B mark: a prompt waits for a command. */
  atMarkedPrompt(): boolean {
    const b = [...this.marks].reverse().find((m) => m.kind === 'B');
    return b !== undefined && this.chars.slice(b.column).join('').trim() === '';
  }

  /** Ends the unfinished line too (the recording ended). */
  flush(t: number): TextLine[] {
    if (this.chars.length > 0 || this.marks.length > 0) this.endLine(t);
    return this.take();
  }

  private put(ch: string, t: number): void {
    if (this.startT < 0) this.startT = t;
    if (this.col >= this.cols) {
      // Autowrap: the row is full, the character starts the next row of the same line.
      this.row += 1;
      this.col = 0;
    }
    const at = this.cursor;
    while (this.chars.length < at) this.chars.push(' ');
    this.chars[at] = ch;
    this.col += 1;
  }

  private endLine(t: number): void {
    const raw = this.chars.join('');
    const text = clean(raw);
    // Marks keep their column in the cleaned text (pager words only ever sit at line start).
    const shift = raw.length - raw.trimStart().length - (text.length - text.trimStart().length);
    const marks = this.marks.map((m) => ({ ...m, column: Math.max(0, m.column - shift) }));
    this.done.push({ text, t, startT: this.startT < 0 ? t : this.startT, marks });
    this.chars = [];
    this.row = 0;
    this.col = 0;
    this.marks = [];
    this.startT = -1;
  }

  private osc(body: string, t: number): void {
    const match = /^133;([ABCD])(?:;(-?\d+))?/.exec(body);
    if (!match) return;
    if (this.startT < 0) this.startT = t;
    const kind = match[1] as ShellMark['kind'];
    const mark: ShellMark = { kind, column: this.cursor };
    if (kind === 'D' && match[2] !== undefined) mark.exitCode = Number(match[2]);
    this.marks.push(mark);
  }

  private csi(params: string, final: string): void {
    const n = Number(params.replace(/^\?/, '').split(';')[0] || '0');
    switch (final) {
      case 'K': // erase in line
        if (n === 0) this.chars.length = Math.min(this.chars.length, this.cursor);
        else if (n === 2) this.chars = [];
        else for (let c = 0; c < this.cursor && c < this.chars.length; c++) this.chars[c] = ' ';
        break;
      case 'A': // cursor up, within a wrapped line
        this.row = Math.max(0, this.row - Math.max(1, n));
        break;
      case 'C': // cursor forward
        this.col = Math.min(this.cols - 1, this.col + Math.max(1, n));
        break;
      case 'D': // cursor back
        this.col = Math.max(0, Math.min(this.col, this.cols - 1) - Math.max(1, n));
        break;
      case 'G': // cursor to column
        this.col = Math.min(this.cols - 1, Math.max(1, n) - 1);
        break;
      case 'P': // delete characters
        this.chars.splice(this.cursor, Math.max(1, n));
        break;
      case '@': // insert blanks
        this.chars.splice(this.cursor, 0, ...Array<string>(Math.max(1, n)).fill(' '));
        break;
      default:
        break; // colours (m), modes (h/l), scrolling and the rest change no text
    }
  }
}

function clean(raw: string): string {
  return raw.replace(PAGER, (m, offset: number) => (offset === 0 ? '' : ' ')).trimEnd();
}

/** True when `rest` (starting at ESC) is the start of a sequence whose end has not arrived. */
function unfinished(rest: string): boolean {
  if (rest.length >= 512) return false;
  if (rest.length === 1) return true;
  // eslint-disable-next-line no-control-regex
  if (rest[1] === ']') return !/\x07|\x1b\\/.test(rest);
  // eslint-disable-next-line no-control-regex
  if (rest[1] === '[') return /^\x1b\[[0-?]*[ -/]*$/.test(rest);
  return false;
}

/** Every line of an output stream, for tests and one-shot analysis. */
export function readLines(chunks: Iterable<{ t: number; data: string }>): TextLine[] {
  const reader = new LineReader();
  let last = 0;
  const lines: TextLine[] = [];
  for (const chunk of chunks) {
    reader.write(chunk.t, chunk.data);
    lines.push(...reader.take());
    last = chunk.t;
  }
  lines.push(...reader.flush(last));
  return lines;
}
