import { SearchAddon } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { Terminal } from '@xterm/xterm';

/**
 * The replay's terminal: like the panel's (unicode 11 widths, so wide characters land where
 * they did live), read-only, DOM renderer (no GPU memory for a page that may stay open long).
 */
export function createReplayTerminal(
  cols: number,
  rows: number,
): {
  term: Terminal;
  search: SearchAddon;
} {
  const term = new Terminal({
    allowProposedApi: true,
    cols,
    rows,
    disableStdin: true,
    scrollback: 5000,
    cursorBlink: false,
    fontFamily: '"JetBrains Mono", "DejaVu Sans Mono", "Cascadia Mono", Menlo, monospace',
    fontSize: 13,
  });
  const search = new SearchAddon();
  term.loadAddon(search);
  term.loadAddon(new Unicode11Addon());
  term.unicode.activeVersion = '11';
  return { term, search };
}

/** The visible rows of the screen (not the scrollback), right-trimmed. */
export function screenRows(term: Terminal): string[] {
  const buffer = term.buffer.active;
  const rows: string[] = [];
  for (let y = 0; y < term.rows; y++) {
    rows.push(buffer.getLine(buffer.baseY + y)?.translateToString(true) ?? '');
  }
  return rows;
}
