import type { RecordingFormat, RecordingInfo } from '../../protocol/index.js';
import { readChunk, type RecordingApi } from './source.js';

/** Text held in the page before it is folded into the Blob (which the browser keeps off-heap). */
const FOLD_CHARS = 4 * 1024 * 1024;

/**
 * The whole recording in `format` as a Blob, read chunk by chunk: chunks are folded into the
 * Blob every few MiB, so exporting 100 MB does not hold 100 MB of strings in the page.
 */
export async function exportRecording(
  api: RecordingApi,
  recordingId: string,
  format: RecordingFormat,
  onProgress: (bytes: number) => void = () => undefined,
): Promise<Blob> {
  const type = format === 'native' ? 'application/x-ndjson' : 'application/x-asciicast';
  let blob = new Blob([], { type });
  let parts: string[] = [];
  let held = 0;
  let offset = 0;
  for (;;) {
    const chunk = await readChunk(api, recordingId, offset, format);
    parts.push(chunk.data);
    held += chunk.data.length;
    if (held >= FOLD_CHARS) {
      blob = new Blob([blob, ...parts], { type });
      parts = [];
      held = 0;
    }
    onProgress(chunk.nextOffset);
    if (chunk.eof || chunk.nextOffset <= offset) break;
    offset = chunk.nextOffset;
  }
  return new Blob([blob, ...parts], { type });
}

/** A file name people recognise: session name, start time, the format's usual extension. */
export function exportFileName(
  info: Pick<RecordingInfo, 'name' | 'startedAt'>,
  format: RecordingFormat,
): string {
  const name = info.name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'recording';
  const when = info.startedAt.replace(/\.\d+Z$/, 'Z').replace(/[:]/g, '-');
  return `${name}-${when}.${format === 'native' ? 'tandem.jsonl' : 'cast'}`;
}

/** Saves `blob` as a download (an anchor with `download`, the page's own object URL). */
export function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
