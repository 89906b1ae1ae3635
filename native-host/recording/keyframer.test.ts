import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import headless from '@xterm/headless';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEvent, encodeHeader, type RecordingEvent } from './format.js';
import { Keyframer } from './keyframer.js';

const { Terminal } = headless;
type Screen = InstanceType<typeof Terminal>;

const COLS = 80;
const ROWS = 24;

function screen(): Screen {
  return new Terminal({ cols: COLS, rows: ROWS, scrollback: 1000, allowProposedApi: true });
}

function write(terminal: Screen, data: string): Promise<void> {
  return new Promise((resolve) => terminal.write(data, resolve));
}

function viewport(terminal: Screen): string[] {
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let y = buffer.baseY; y < buffer.baseY + ROWS; y++) {
    lines.push(buffer.getLine(y)?.translateToString(true) ?? '');
  }
  return lines;
}

function lines(from: number, count: number): string {
  let text = '';
  for (let i = from; i < from + count; i++)
    text += `\x1b[3${i % 8}mrow ${i}\x1b[0m é漢 ${'#'.repeat(i % 40)}\r\n`;
  return text;
}

describe('Keyframer', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('makes keyframes that show the screen as of their offset, across reads and over-long lines', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-keyframer-'));
    const file = path.join(dir, 'r.tandem.jsonl');
    const header = encodeHeader({
      tandem: 'recording',
      version: 1,
      recordingId: 'r',
      sessionId: 's',
      name: 'test',
      device: { kind: 'echo', label: 'echo' },
      startedAt: new Date(0).toISOString(),
      cols: COLS,
      rows: ROWS,
      agent: 'test',
    });
    // Small events, then one event longer than a read (1 MiB), then small ones again.
    const outputs: string[] = [];
    for (let i = 0; i < 300; i++) outputs.push(lines(i * 20, 20));
    outputs.push(lines(6000, 20_000));
    for (let i = 0; i < 300; i++) outputs.push(lines(30_000 + i * 20, 20));
    let text = header;
    const ends: number[] = [];
    outputs.forEach((data, i) => {
      // 50 ms apart: keyframes come from elapsed time (every 10 s) as well as from volume.
      const event: RecordingEvent = [i * 50, 'o', data];
      text += encodeEvent(event);
      ends.push(Buffer.byteLength(text));
    });
    fs.writeFileSync(file, text);
    // The long event's line in the file is longer than one read (1 MiB).
    expect((ends[300] ?? 0) - (ends[299] ?? 0)).toBeGreaterThan(1024 * 1024);

    const keyframer = new Keyframer(file, Buffer.byteLength(header), COLS, ROWS);
    const made = [
      ...(await keyframer.advance(ends[150] ?? 0)),
      ...(await keyframer.advance(ends[450] ?? 0)),
      ...(await keyframer.advance(ends[ends.length - 1] ?? 0)),
    ];
    keyframer.close();
    expect(made.length).toBeGreaterThanOrEqual(3);

    const reference = screen();
    let fed = 0;
    for (const keyframe of made) {
      const count = ends.findIndex((end) => end === keyframe.eventsOffset) + 1;
      expect(count).toBeGreaterThan(fed);
      await write(reference, outputs.slice(fed, count).join(''));
      fed = count;
      const rebuilt = screen();
      await write(rebuilt, keyframe.data);
      expect(viewport(rebuilt)).toEqual(viewport(reference));
      rebuilt.dispose();
    }
    reference.dispose();
  });
});
