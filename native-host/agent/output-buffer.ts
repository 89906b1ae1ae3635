/** One chunk of decoded terminal output, numbered per session. */
export interface OutputChunk {
  seq: number;
  data: string;
  /** `data` as a JSON string literal, made once and shared by every frame and the recording. */
  json?: string;
}

/**
 * The recent output of a session, bounded by characters. Chunks that fall off the front are
 * handed to `onEvict` (the snapshotter), so buffer + snapshot always cover everything.
 */
export class OutputBuffer {
  /** Oldest first. Evicted ones, before `head`, are cleared and cut off in bulk now and then. */
  private chunks: (OutputChunk | undefined)[] = [];
  private head = 0;
  private chars = 0;

  constructor(
    private readonly maxChars: number,
    private readonly onEvict: (chunk: OutputChunk) => void,
  ) {}

  push(chunk: OutputChunk): void {
    this.chunks.push(chunk);
    this.chars += chunk.data.length;
    while (this.chars > this.maxChars && this.chunks.length - this.head > 1) {
      const old = this.chunks[this.head];
      if (old === undefined) break;
      // Cleared, not only skipped: until the next cut it would keep its text and JSON alive,
      // and a cut waits for 1024 evictions (more than 100 MB of 64 KiB chunks).
      this.chunks[this.head] = undefined;
      this.head += 1;
      this.chars -= old.data.length;
      this.onEvict(old);
    }
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /** The seq of the oldest chunk still held, or next seq if empty. */
  firstSeq(nextSeq: number): number {
    return this.chunks[this.head]?.seq ?? nextSeq;
  }

  /** Chunks with seq >= fromSeq, if all of them are still held; undefined if some were evicted. */
  from(fromSeq: number, nextSeq: number): OutputChunk[] | undefined {
    if (fromSeq < this.firstSeq(nextSeq)) return undefined;
    const first = this.chunks[this.head];
    if (first === undefined) return [];
    const start = Math.max(this.head + (fromSeq - first.seq), this.head);
    const held: OutputChunk[] = [];
    for (let i = start; i < this.chunks.length; i++) {
      const chunk = this.chunks[i];
      if (chunk !== undefined) held.push(chunk);
    }
    return held;
  }

  get size(): number {
    return this.chars;
  }
}
