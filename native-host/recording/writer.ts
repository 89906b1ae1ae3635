import fs from 'node:fs';

/** Whatever waits in memory is written at the latest this long after it arrived. */
export const FLUSH_MS = 50;
/** …or as soon as this many characters wait. */
const FLUSH_CHARS = 256 * 1024;

/**
 * Appends lines to a file with a short buffer and no fsync: after `kill -9` the file holds
 * everything up to the last write, and at most FLUSH_MS of events are missing (the page cache
 * survives a killed process; only a power cut could lose more). Lines are written whole, so the
 * file only ever ends mid-line if the process dies inside a write.
 */
export class LineWriter {
  private parts: string[] = [];
  private chars = 0;
  private timer: NodeJS.Timeout | undefined;
  private fd: number | undefined;
  /** Bytes in the file: everything written so far. */
  flushedBytes: number;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a', 0o600);
    this.flushedBytes = fs.fstatSync(this.fd).size;
  }

  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  append(line: string): void {
    if (this.fd === undefined) return;
    this.parts.push(line);
    this.chars += line.length;
    if (this.chars >= FLUSH_CHARS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fd === undefined || this.parts.length === 0) return;
    const text = this.parts.length === 1 ? (this.parts[0] ?? '') : this.parts.join('');
    this.parts = [];
    this.chars = 0;
    this.flushedBytes += fs.writeSync(this.fd, text);
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
