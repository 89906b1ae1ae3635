/**
 * Makes keyframes for a recording by reading its file behind the writer: a headless terminal
 * replays the output events and, every KEYFRAME_CHARS of output or KEYFRAME_MS of recording
 * time, its screen + scrollback is serialized. Runs in the agent's worker thread (never on the
 * main thread) and in tools that generate recordings.
 */
import fs from 'node:fs';
import headless from '@xterm/headless';
import serialize from '@xterm/addon-serialize';
import { writeFastForward } from '../../protocol/fast-forward.js';
import { parseEvent } from './format.js';

const { Terminal } = headless;
const { SerializeAddon } = serialize;

export const KEYFRAME_CHARS = 1024 * 1024;
export const KEYFRAME_MS = 10_000;
/** Scrollback kept in a keyframe: enough to scroll back a little after a seek, small to read. */
export const KEYFRAME_SCROLLBACK = 200;
const READ_BYTES = 1024 * 1024;

export interface Keyframe {
  /** Recording time the screen shows. */
  at: number;
  /** Where replay continues after applying the keyframe. */
  eventsOffset: number;
  cols: number;
  rows: number;
  data: string;
}

export class Keyframer {
  private readonly terminal: InstanceType<typeof Terminal>;
  private readonly serializer = new SerializeAddon();
  private fd: number | undefined;
  private position: number;
  /**
   * One read buffer for the recording's whole life, the unfinished last line kept at its front.
   * A fresh megabyte per read (plus a concatenated copy) would be garbage the worker's malloc
   * arena grows to hold and never gives back.
   */
  private buffer = Buffer.allocUnsafeSlow(READ_BYTES);
  private carried = 0;
  private charsSince = 0;
  private lastAt = 0;
  private lastT = 0;

  constructor(file: string, fromOffset: number, cols: number, rows: number) {
    this.fd = fs.openSync(file, 'r');
    this.position = fromOffset;
    this.terminal = new Terminal({
      cols,
      rows,
      scrollback: KEYFRAME_SCROLLBACK,
      allowProposedApi: true,
    });
    this.terminal.loadAddon(this.serializer);
  }

  /** Replays the file up to byte `upTo` (a line boundary) and returns the keyframes it made. */
  async advance(upTo: number): Promise<Keyframe[]> {
    const made: Keyframe[] = [];
    if (this.fd === undefined) return made;
    let pending = '';
    const writePending = async (): Promise<void> => {
      if (pending.length === 0) return;
      const text = pending;
      pending = '';
      // Only the last few hundred lines of a plain flood reach a keyframe (200 of scrollback).
      await writeFastForward(this.terminal, text);
    };
    while (this.position < upTo) {
      const length = Math.min(READ_BYTES, upTo - this.position);
      if (this.buffer.length < this.carried + length) {
        // A line longer than the buffer so far: grow it, keeping the part already read.
        const bigger = Buffer.allocUnsafeSlow(this.carried + length);
        this.buffer.copy(bigger, 0, 0, this.carried);
        this.buffer = bigger;
      }
      const read = fs.readSync(this.fd, this.buffer, this.carried, length, this.position);
      if (read === 0) break;
      const lineStart = this.position - this.carried;
      const bytes = this.buffer.subarray(0, this.carried + read);
      this.position += read;
      let start = 0;
      for (;;) {
        const newline = bytes.indexOf(10, start);
        if (newline < 0) break;
        const thisLine = lineStart + start;
        const lineEnd = lineStart + newline + 1;
        const event = parseEvent(bytes.toString('utf8', start, newline));
        start = newline + 1;
        if (event === undefined) continue;
        const [t, code] = event;
        if (code === 'o') {
          if (t - this.lastAt >= KEYFRAME_MS && this.charsSince > 0) {
            await writePending();
            made.push(this.keyframe(this.lastT, thisLine));
          }
          pending += event[2];
          this.charsSince += event[2].length;
          this.lastT = t;
          if (this.charsSince >= KEYFRAME_CHARS) {
            await writePending();
            made.push(this.keyframe(t, lineEnd));
          }
        } else if (code === 'r') {
          await writePending();
          this.terminal.resize(event[2], event[3]);
          this.lastT = t;
        }
      }
      this.carried = bytes.length - start;
      bytes.copy(this.buffer, 0, start);
    }
    await writePending();
    return made;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.terminal.dispose();
  }

  private keyframe(at: number, eventsOffset: number): Keyframe {
    this.charsSince = 0;
    this.lastAt = at;
    return {
      at,
      eventsOffset,
      cols: this.terminal.cols,
      rows: this.terminal.rows,
      data: this.serializer.serialize({ scrollback: KEYFRAME_SCROLLBACK }),
    };
  }
}
