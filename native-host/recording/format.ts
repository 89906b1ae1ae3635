/**
 * The native recording format: JSON lines. Line 1 is the header object; every later line is
 * one event array `[t, code, ...]`, `t` in whole milliseconds since the recording started.
 * A reader ignores a last line without its newline (the agent died mid-write). See
 * docs/recording.md for the full description.
 */
import type { CopilotEntry, DeviceDescription, Role } from '../../protocol/index.js';

export const FORMAT_VERSION = 1;
export const FILE_SUFFIX = '.tandem.jsonl';
export const INDEX_SUFFIX = '.index.json';

export interface RecordingHeader {
  tandem: 'recording';
  version: number;
  recordingId: string;
  sessionId: string;
  name: string;
  /** Kind and label only: never the device spec, which may hold secrets. */
  device: DeviceDescription;
  startedAt: string;
  cols: number;
  rows: number;
  agent: string;
}

/** The author of marks the device itself causes (a cable unplugged, a link restored). */
export const DEVICE_MARK = 'device';

/** How the index shows a mark: a gap when the device made it, else a person's marker. */
export function markKind(author: string | undefined): 'gap' | 'marker' {
  return author === DEVICE_MARK ? 'gap' : 'marker';
}

export type RecordingEvent =
  | [t: number, code: 'o', data: string]
  | [t: number, code: 'i', participantId: string, data: string]
  /** One line typed at a prompt that hides it (or with the lock on): only the fact is kept. */
  | [t: number, code: 's', participantId: string]
  | [t: number, code: 'r', cols: number, rows: number]
  | [t: number, code: 'j', participantId: string, name: string, role: Role]
  | [t: number, code: 'l', participantId: string]
  | [t: number, code: 'role', participantId: string, role: Role]
  | [t: number, code: 'pause', participantId: string]
  | [t: number, code: 'resume', participantId: string]
  | [t: number, code: 'm', label: string, participantId: string]
  /** An answer in the session's Copilot thread, as every participant saw it. */
  | [t: number, code: 'c', entry: CopilotEntry]
  /** Screen + scrollback at time `at`; replay continues with the events from `eventsOffset`. */
  | [
      t: number,
      code: 'k',
      at: number,
      eventsOffset: number,
      cols: number,
      rows: number,
      data: string,
    ]
  | [t: number, code: 'end', reason: string];

export type EventCode = RecordingEvent[1];

export function encodeHeader(header: RecordingHeader): string {
  return JSON.stringify(header) + '\n';
}

export function encodeEvent(event: RecordingEvent): string {
  return JSON.stringify(event) + '\n';
}

export function parseHeader(line: string): RecordingHeader | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (!('tandem' in value) || value.tandem !== 'recording') return undefined;
  const v = value as Record<string, unknown>;
  const device = v.device as Record<string, unknown> | undefined;
  if (
    typeof v.recordingId !== 'string' ||
    typeof v.sessionId !== 'string' ||
    typeof v.startedAt !== 'string' ||
    typeof v.cols !== 'number' ||
    typeof v.rows !== 'number' ||
    typeof device?.label !== 'string' ||
    typeof device.kind !== 'string'
  ) {
    return undefined;
  }
  return value as RecordingHeader;
}

/** Parses one event line; undefined for anything that is not an event (a torn line). */
export function parseEvent(line: string): RecordingEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || typeof value[0] !== 'number' || typeof value[1] !== 'string') {
    return undefined;
  }
  return value as RecordingEvent;
}
