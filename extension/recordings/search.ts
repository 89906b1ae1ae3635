/**
 * Text search through a recording's output, fed event by event so a 100 MB recording is never
 * held whole: escape sequences are stripped, and a match may span two output events.
 */

export interface SearchHit {
  /** Time of the output event that completes the match: seeking there shows it. */
  t: number;
  snippet: string;
}

/** Escape sequences (OSC, CSI, charset, single-character) and C0 controls except newline. */
const ANSI =
  // eslint-disable-next-line no-control-regex -- terminal output is full of control characters
  /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()*+][0-9A-Za-z]|\x1b[@-Z\\-_=>78]|[\x00-\x08\x0b-\x1f\x7f]/g;

/** Terminal output as plain text: escape sequences and control characters removed. */
export function stripAnsi(data: string): string {
  return data.replace(/\r\n/g, '\n').replace(ANSI, '');
}

export const MAX_HITS = 200;
const CONTEXT = 30;

export class TextSearch {
  readonly hits: SearchHit[] = [];
  private readonly needle: string;
  private tail = '';

  constructor(query: string) {
    this.needle = query.toLowerCase();
  }

  get full(): boolean {
    return this.hits.length >= MAX_HITS;
  }

  /** Output at time `t`. */
  feed(t: number, data: string): void {
    if (this.needle === '' || this.full) return;
    const text = this.tail + stripAnsi(data);
    const lower = text.toLowerCase();
    // The tail is shorter than the needle: every match found here ends in the new text.
    let from = 0;
    for (;;) {
      const at = lower.indexOf(this.needle, from);
      if (at < 0 || this.full) break;
      const snippet = text
        .slice(Math.max(0, at - CONTEXT), at + this.needle.length + CONTEXT)
        .replace(/\s+/g, ' ')
        .trim();
      this.hits.push({ t, snippet });
      from = at + this.needle.length;
    }
    this.tail = this.needle.length > 1 ? text.slice(-(this.needle.length - 1)) : '';
  }
}
