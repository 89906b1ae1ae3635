import {
  RECORDING_READ_MAX_BYTES,
  type RecordingFormat,
  type RequestMap,
  type ResultMap,
} from '../../protocol/index.js';
import { LineSplitter } from './events.js';

/** The requests the recordings code makes. */
export type RecordingRequest =
  | 'recording.read'
  | 'recording.index'
  | 'recording.list'
  | 'recording.delete'
  | 'recording.settings';

/** The one request the recordings code needs: `ViewClient` provides it, tests fake it. */
export interface RecordingApi {
  request<K extends RecordingRequest>(
    type: K,
    fields: RequestMap[K],
    timeoutMs?: number,
  ): Promise<ResultMap[K]>;
}

export interface Chunk {
  data: string;
  nextOffset: number;
  eof: boolean;
}

/** Reads one chunk (≤ RECORDING_READ_MAX_BYTES, far below the 1 MiB frame limit). */
export function readChunk(
  api: RecordingApi,
  recordingId: string,
  offset: number,
  format: RecordingFormat = 'native',
): Promise<Chunk> {
  return api.request('recording.read', {
    recordingId,
    format,
    offset,
    length: RECORDING_READ_MAX_BYTES,
  });
}

/**
 * Native lines from a byte offset, one at a time, fetching the next chunk while the current one
 * is consumed. Holds at most two chunks: seeking and playing never load the whole file.
 */
export class LineCursor {
  private lines: string[] = [];
  private index = 0;
  private readonly splitter = new LineSplitter();
  private ahead: Promise<Chunk> | undefined;
  private offset: number;
  private done = false;
  /** Bytes fetched so far, for progress. */
  bytesRead = 0;

  constructor(
    private readonly api: RecordingApi,
    private readonly recordingId: string,
    offset: number,
  ) {
    this.offset = offset;
  }

  /** The next whole line, or undefined at the end of the file (a torn last line is dropped). */
  async next(): Promise<string | undefined> {
    while (this.index >= this.lines.length) {
      if (this.done) return undefined;
      const chunk = await (this.ahead ?? this.fetch());
      this.ahead = undefined;
      this.bytesRead += chunk.nextOffset - this.offset;
      this.offset = chunk.nextOffset;
      this.done = chunk.eof || chunk.data === '';
      this.lines = this.splitter.push(chunk.data);
      this.index = 0;
      if (!this.done) this.ahead = this.fetch();
    }
    const line = this.lines[this.index];
    this.lines[this.index] = ''; // let the consumed line go
    this.index += 1;
    return line;
  }

  private fetch(): Promise<Chunk> {
    const pending = readChunk(this.api, this.recordingId, this.offset);
    // A prefetch nobody awaits (the cursor was dropped by a newer seek) must not be unhandled.
    pending.catch(() => undefined);
    return pending;
  }
}

/**
 * Feeds every line of the file to `onLine` in order, reporting progress as a fraction; stops
 * early when `signal` aborts. Memory stays at one chunk whatever the file's size.
 */
export async function scanLines(
  api: RecordingApi,
  recordingId: string,
  from: number,
  totalBytes: number,
  /** Returns false to stop early. */
  onLine: (line: string) => unknown,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  const cursor = new LineCursor(api, recordingId, from);
  let lastReport = 0;
  for (;;) {
    if (signal?.aborted === true) return;
    const line = await cursor.next();
    if (line === undefined) break;
    if (onLine(line) === false) break;
    if (cursor.bytesRead - lastReport > 1024 * 1024) {
      lastReport = cursor.bytesRead;
      onProgress(Math.min(1, cursor.bytesRead / Math.max(1, totalBytes - from)));
    }
  }
  onProgress(1);
}
