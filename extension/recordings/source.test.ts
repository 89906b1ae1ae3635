import { describe, expect, it } from 'vitest';
import type { RequestMap, ResultMap } from '../../protocol/index.js';
import { exportFileName } from './export.js';
import { LineCursor, scanLines, type RecordingApi, type RecordingRequest } from './source.js';

/** An agent serving `file` in chunks of `size` bytes that end after a whole line when one fits. */
function fakeApi(file: string, size: number): RecordingApi & { reads: number } {
  const bytes = new TextEncoder().encode(file);
  const api = {
    reads: 0,
    request<K extends RecordingRequest>(type: K, fields: RequestMap[K]): Promise<ResultMap[K]> {
      if (type !== 'recording.read' || !('offset' in fields))
        return Promise.reject(new Error(type));
      api.reads += 1;
      const end = Math.min(bytes.length, fields.offset + size);
      let cut = end;
      if (end < bytes.length) {
        const nl = bytes.lastIndexOf(10, end - 1);
        if (nl >= fields.offset) cut = nl + 1;
      }
      const data = new TextDecoder().decode(bytes.subarray(fields.offset, cut));
      const result: ResultMap['recording.read'] = {
        data,
        nextOffset: cut,
        eof: cut >= bytes.length,
      };
      return Promise.resolve(result as ResultMap[K]);
    },
  };
  return api;
}

const FILE =
  '{"tandem":"recording"}\n[1,"o","a"]\n[2,"o","' +
  'x'.repeat(50) +
  '"]\n[3,"o","é"]\n[4,"o","torn';

describe('LineCursor', () => {
  it('yields whole lines across chunk boundaries, long lines included, and drops a torn end', async () => {
    const cursor = new LineCursor(fakeApi(FILE, 16), 'r', 0);
    const lines: string[] = [];
    for (let line = await cursor.next(); line !== undefined; line = await cursor.next())
      lines.push(line);
    expect(lines).toEqual([
      '{"tandem":"recording"}',
      '[1,"o","a"]',
      `[2,"o","${'x'.repeat(50)}"]`,
      '[3,"o","é"]',
    ]);
  });

  it('starts at a byte offset', async () => {
    const offset = new TextEncoder().encode('{"tandem":"recording"}\n').length;
    const cursor = new LineCursor(fakeApi(FILE, 1024), 'r', offset);
    expect(await cursor.next()).toBe('[1,"o","a"]');
  });
});

describe('scanLines', () => {
  it('stops early when asked and reports progress up to 1', async () => {
    const api = fakeApi(FILE, 16);
    const seen: string[] = [];
    const progress: number[] = [];
    await scanLines(
      api,
      'r',
      0,
      FILE.length,
      (line) => {
        seen.push(line);
        return seen.length < 2;
      },
      (p) => progress.push(p),
    );
    expect(seen).toHaveLength(2);
    expect(progress.at(-1)).toBe(1);
  });
});

describe('exportFileName', () => {
  it('makes a safe name with the right extension', () => {
    expect(
      exportFileName(
        { name: 'admin@db1 / prod', startedAt: '2025-03-04T05:06:07.123Z' },
        'asciicast-v2',
      ),
    ).toBe('admin-db1-prod-2025-03-04T05-06-07Z.cast');
    expect(exportFileName({ name: '', startedAt: '2025-03-04T05:06:07Z' }, 'native')).toMatch(
      /^recording-.*\.tandem\.jsonl$/,
    );
  });
});
