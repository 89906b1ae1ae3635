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
  flushedBytes = 0;
  /** Why writing stopped for good (a full disk…); the file holds what was written before. */
  failure: NodeJS.ErrnoException | undefined;
  private readonly failed = new Set<(error: NodeJS.ErrnoException) => void>();

  /**
   * A write that fails (ENOSPC, EDQUOT, EIO…) never throws into whoever appended: it would be a
   * keystroke or device output, and the terminal must carry on. The writer stops, and tells
   * `onFailed` listeners once.
   */
  constructor(readonly file: string) {
    try {
      this.fd = fs.openSync(file, 'a', 0o600);
      this.flushedBytes = fs.fstatSync(this.fd).size;
    } catch (error) {
      this.fail(error);
    }
  }

  /** Called once if writing fails; at once if it already has. */
  onFailed(listener: (error: NodeJS.ErrnoException) => void): void {
    if (this.failure !== undefined) listener(this.failure);
    else this.failed.add(listener);
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
    try {
      let wrote = fs.writeSync(this.fd, text);
      this.flushedBytes += wrote;
      const size = Buffer.byteLength(text);
      if (wrote < size) {
        // A short write: the disk is filling up. The rest is tried until the disk says no; a
        // torn last line is left behind then, which readers skip.
        const bytes = Buffer.from(text);
        while (wrote < size) {
          const more = fs.writeSync(this.fd, bytes, wrote);
          if (more === 0) throw Object.assign(new Error('nothing written'), { code: 'ENOSPC' });
          wrote += more;
          this.flushedBytes += more;
        }
      }
    } catch (error) {
      this.fail(error);
    }
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private fail(error: unknown): void {
    const failure: NodeJS.ErrnoException =
      error instanceof Error ? error : new Error(String(error));
    this.failure = failure;
    this.parts = [];
    this.chars = 0;
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already unusable
      }
    }
    this.fd = undefined;
    for (const listener of this.failed) listener(failure);
    this.failed.clear();
  }
}
