import type { LineEnding } from '../../protocol/index.js';

const SEQUENCES: Record<LineEnding, string> = { cr: '\r', lf: '\n', crlf: '\r\n' };

/**
 * Turns every Enter in typed input into the sequence the serial device expects.
 *
 * A terminal sends `\r` for Enter; pasted text may carry `\n` or `\r\n`. Each of those is
 * one Enter. The translator keeps one bit of state so a `\r\n` split across two writes
 * still counts once.
 */
export function createLineEndingTranslator(ending: LineEnding): (data: string) => string {
  const enter = SEQUENCES[ending];
  let afterCr = false;
  return (data) => {
    let out = '';
    for (const char of data) {
      if (char === '\r') {
        out += enter;
        afterCr = true;
      } else if (char === '\n') {
        if (!afterCr) out += enter;
        afterCr = false;
      } else {
        out += char;
        afterCr = false;
      }
    }
    return out;
  };
}
