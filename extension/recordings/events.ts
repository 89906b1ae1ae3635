/**
 * The agent's native recording lines (docs/recording.md), parsed and checked: the replay page
 * reads them straight off `recording.read`, so nothing here trusts their shape.
 */
export type ReplayEvent =
  | { t: number; code: 'o'; data: string }
  | { t: number; code: 'i'; participantId: string; data: string }
  | { t: number; code: 's'; participantId: string }
  | { t: number; code: 'r'; cols: number; rows: number }
  | {
      t: number;
      code: 'k';
      at: number;
      eventsOffset: number;
      cols: number;
      rows: number;
      data: string;
    }
  | { t: number; code: 'other' };

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 10_000;

/** One event line; undefined for the header, a torn line or a malformed event. */
export function parseEventLine(line: string): ReplayEvent | undefined {
  if (!line.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const items: unknown[] = value;
  const [t, code, a, b, c, d, e] = items;
  if (typeof t !== 'number' || !Number.isFinite(t) || !isString(code)) return undefined;
  switch (code) {
    case 'o':
      return isString(a) ? { t, code, data: a } : undefined;
    case 'i':
      return isString(a) && isString(b) ? { t, code, participantId: a, data: b } : undefined;
    case 's':
      return isString(a) ? { t, code, participantId: a } : undefined;
    case 'r':
      return isCount(a) && isCount(b) ? { t, code, cols: a, rows: b } : undefined;
    case 'k':
      return typeof a === 'number' &&
        typeof b === 'number' &&
        isCount(c) &&
        isCount(d) &&
        isString(e)
        ? { t, code, at: a, eventsOffset: b, cols: c, rows: d, data: e }
        : undefined;
    default:
      // Readers skip codes they do not replay (joins, markers, pauses come from the index).
      return { t, code: 'other' };
  }
}

const PREFIX = /^\[(\d+(?:\.\d+)?),"([a-z]+)"/;

/** Time and code of an event line without parsing it whole (scans skip output lines cheaply). */
export function peekEventLine(line: string): { t: number; code: string } | undefined {
  const match = PREFIX.exec(line.slice(0, 40));
  if (match === null) return undefined;
  return { t: Number(match[1]), code: match[2] ?? '' };
}

/**
 * Splits text arriving in chunks into whole lines. The agent ends native chunks after a whole
 * line, except when one line is longer than a chunk: then the rest carries over.
 */
export class LineSplitter {
  private carry = '';

  /** The whole lines completed by `chunk`, without their newlines. */
  push(chunk: string): string[] {
    const parts = (this.carry + chunk).split('\n');
    this.carry = parts.pop() ?? '';
    return parts;
  }

  /** What is left after the last newline: a torn line at the end of a file. */
  get rest(): string {
    return this.carry;
  }
}
