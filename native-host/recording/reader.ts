import fs from 'node:fs';
import { RECORDING_READ_MAX_BYTES, type ResultMap } from '../../protocol/index.js';
import { parseEvent, parseHeader } from './format.js';

type ReadResult = ResultMap['recording.read'];

/** Longest single native line read whole when converting (a keyframe line can be large). */
const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Native format: `offset` is a byte offset into the file. A chunk ends after its last whole
 * line, unless a single line is longer than `length`; then it ends on a UTF-8 character
 * boundary and the line continues in the next chunk. Concatenated chunks are the file.
 */
export function readNative(file: string, offset: number, length: number): ReadResult {
  const want = Math.min(length, RECORDING_READ_MAX_BYTES);
  const size = fs.statSync(file).size;
  const start = Math.min(offset, size);
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(Math.min(want, size - start));
    const read = fs.readSync(fd, buffer, 0, buffer.length, start);
    let end = read;
    if (start + read < size) {
      const newline = buffer.subarray(0, read).lastIndexOf(10);
      end = newline >= 0 ? newline + 1 : utf8Boundary(buffer, read);
    }
    const nextOffset = start + end;
    return { data: buffer.toString('utf8', 0, end), nextOffset, eof: nextOffset >= size };
  } finally {
    fs.closeSync(fd);
  }
}

/** The largest cut ≤ end that does not split a UTF-8 sequence. */
function utf8Boundary(buffer: Buffer, end: number): number {
  let cut = end;
  while (cut > 0 && cut > end - 4 && ((buffer[cut - 1] ?? 0) & 0xc0) === 0x80) cut -= 1;
  if (cut > 0 && ((buffer[cut - 1] ?? 0) & 0xc0) === 0xc0) {
    const lead = buffer[cut - 1] ?? 0;
    const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (end - (cut - 1) < size) return cut - 1;
    return end;
  }
  return end;
}

/**
 * asciicast v2: `offset` and `nextOffset` are still byte offsets into the native file (where
 * conversion continues); `data` is asciicast text, whole lines, header first when offset is 0.
 * Output becomes "o" events, resizes "r", pauses and markers "m"; input is not exported.
 */
export function readAsciicast(file: string, offset: number, length: number): ReadResult {
  const want = Math.min(length, RECORDING_READ_MAX_BYTES);
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  let position = Math.min(offset, size);
  let out = '';
  try {
    let window = RECORDING_READ_MAX_BYTES;
    while (position < size && out.length < want) {
      const buffer = Buffer.allocUnsafe(Math.min(window, size - position));
      const read = fs.readSync(fd, buffer, 0, buffer.length, position);
      let start = 0;
      let progressed = false;
      for (;;) {
        const newline = buffer.subarray(0, read).indexOf(10, start);
        if (newline < 0) break;
        const line = buffer.toString('utf8', start, newline);
        const converted = position === 0 && start === 0 ? castHeader(line) : castEvent(line);
        if (converted !== undefined && out.length > 0 && out.length + converted.length > want) {
          break;
        }
        if (converted !== undefined) out += converted;
        start = newline + 1;
        progressed = true;
      }
      if (!progressed) {
        // One line longer than the window: read it whole next time (or stop at a torn tail).
        if (position + read >= size || window >= MAX_LINE_BYTES) break;
        window *= 4;
        continue;
      }
      position += start;
      window = RECORDING_READ_MAX_BYTES;
      if (start < read && out.length >= want) break;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { data: out, nextOffset: position, eof: position >= size };
}

function castHeader(line: string): string | undefined {
  const header = parseHeader(line);
  if (header === undefined) return undefined;
  return (
    JSON.stringify({
      version: 2,
      width: header.cols,
      height: header.rows,
      timestamp: Math.floor(Date.parse(header.startedAt) / 1000),
      title: header.name,
      env: { TERM: 'xterm-256color' },
    }) + '\n'
  );
}

function castEvent(line: string): string | undefined {
  const event = parseEvent(line);
  if (event === undefined) return undefined;
  const t = event[0] / 1000;
  switch (event[1]) {
    case 'o':
      return JSON.stringify([t, 'o', event[2]]) + '\n';
    case 'r':
      return JSON.stringify([t, 'r', `${event[2]}x${event[3]}`]) + '\n';
    case 'pause':
      return JSON.stringify([t, 'm', 'recording paused']) + '\n';
    case 'resume':
      return JSON.stringify([t, 'm', 'recording resumed']) + '\n';
    case 'm':
      return JSON.stringify([t, 'm', event[2]]) + '\n';
    default:
      return undefined;
  }
}
