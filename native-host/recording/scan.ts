import fs from 'node:fs';
import type { Participant, RecordingIndex, RecordingMarker } from '../../protocol/index.js';
import { markKind, parseEvent, parseHeader, type RecordingHeader } from './format.js';

const READ_BYTES = 4 * 1024 * 1024;
/** Event codes whose lines are read whole while scanning; the rest only for their time. */
const META = new Set(['j', 'l', 'role', 'pause', 'resume', 'm', 'end']);
const PREFIX = /^\[(\d+(?:\.\d+)?),"([a-z]+)"(?:,(\d+),(\d+))?/;

/** Reads the first line of a recording file. */
export function readHeader(file: string): { header: RecordingHeader; bytes: number } | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const read = fs.readSync(fd, buffer, 0, buffer.length, 0);
    const newline = buffer.subarray(0, read).indexOf(10);
    if (newline < 0) return undefined;
    const header = parseHeader(buffer.toString('utf8', 0, newline));
    return header === undefined ? undefined : { header, bytes: newline + 1 };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Builds a recording's index by reading it once, front to back, in large blocks. Output lines
 * are not parsed: only the time at their start is read. A torn last line is ignored, so this
 * works on the file of an agent killed mid-write.
 */
export function scanRecording(file: string): RecordingIndex | undefined {
  const head = readHeader(file);
  if (head === undefined) return undefined;
  const { header } = head;
  const participants = new Map<string, Participant>();
  const markers: RecordingMarker[] = [];
  const keyframes: RecordingIndex['keyframes'] = [];
  let duration = 0;

  const fd = fs.openSync(file, 'r');
  let position = head.bytes;
  let carry = Buffer.alloc(0);
  let complete = head.bytes;
  try {
    // One block reused for the whole file: scanning 100 MB must not grow the agent's memory.
    const chunk = Buffer.allocUnsafe(READ_BYTES);
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, READ_BYTES, position);
      if (read === 0) break;
      const bytes =
        carry.length > 0
          ? Buffer.concat([carry, chunk.subarray(0, read)])
          : chunk.subarray(0, read);
      const base = position - carry.length;
      position += read;
      let start = 0;
      for (;;) {
        const newline = bytes.indexOf(10, start);
        if (newline < 0) break;
        const lineOffset = base + start;
        const prefix = PREFIX.exec(bytes.toString('latin1', start, Math.min(newline, start + 64)));
        if (prefix !== null) {
          const t = Number(prefix[1]);
          const code = prefix[2] ?? '';
          if (code === 'k') {
            keyframes.push({
              t: Number(prefix[3]),
              offset: lineOffset,
              eventsOffset: Number(prefix[4]),
            });
          } else {
            duration = Math.max(duration, t);
          }
          if (META.has(code)) {
            const event = parseEvent(bytes.toString('utf8', start, newline));
            if (event !== undefined) {
              const marker = describe(event, participants);
              if (marker !== undefined) markers.push(marker);
            }
          }
        }
        start = newline + 1;
        complete = base + start;
      }
      carry = Buffer.from(bytes.subarray(start));
    }
  } finally {
    fs.closeSync(fd);
  }

  return {
    recordingId: header.recordingId,
    sessionId: header.sessionId,
    name: header.name,
    device: header.device,
    participants: [...participants.values()],
    startedAt: header.startedAt,
    durationMs: duration,
    bytes: complete,
    live: false,
    cols: header.cols,
    rows: header.rows,
    eventsOffset: head.bytes,
    keyframes,
    markers,
  };
}

function describe(
  event: NonNullable<ReturnType<typeof parseEvent>>,
  participants: Map<string, Participant>,
): RecordingMarker | undefined {
  const name = (id: string): string => participants.get(id)?.name ?? id;
  switch (event[1]) {
    case 'j':
      participants.set(event[2], { id: event[2], name: event[3] });
      return { t: event[0], kind: 'join', label: event[3] };
    case 'l':
      return { t: event[0], kind: 'leave', label: name(event[2]) };
    case 'role':
      return { t: event[0], kind: 'role', label: `${name(event[2])}: ${event[3]}` };
    case 'pause':
      return { t: event[0], kind: 'pause', label: `paused by ${name(event[2])}` };
    case 'resume':
      return { t: event[0], kind: 'resume', label: `resumed by ${name(event[2])}` };
    case 'm':
      return { t: event[0], kind: markKind(event[3]), label: event[2] };
    case 'end':
      return { t: event[0], kind: 'end', label: event[2] };
    default:
      return undefined;
  }
}
