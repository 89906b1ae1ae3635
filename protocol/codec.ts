/**
 * Frames on every byte stream Tandem speaks (Chrome native messaging, the agent socket):
 * a 4-byte little-endian length, then that many bytes of UTF-8 JSON.
 */

/** Chrome refuses host→extension messages over 1 MiB; we hold every direction to it. */
export const MAX_FRAME_BYTES = 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeFrame(message: unknown): Uint8Array {
  const body = encoder.encode(JSON.stringify(message));
  if (body.byteLength > MAX_FRAME_BYTES) {
    throw new RangeError(`frame of ${body.byteLength} bytes exceeds ${MAX_FRAME_BYTES}`);
  }
  const frame = new Uint8Array(4 + body.byteLength);
  new DataView(frame.buffer).setUint32(0, body.byteLength, true);
  frame.set(body, 4);
  return frame;
}

export type DecodedFrame =
  | { kind: 'message'; value: unknown }
  | { kind: 'malformed'; reason: string }
  | { kind: 'too_large'; bytes: number };

/**
 * Incremental decoder: feed it whatever a read returned; it yields every complete frame.
 *
 * A length over the limit is reported once (`too_large`) and ends the stream: nothing after it
 * is decoded, and the caller closes the connection with an error. Skipping the claimed length
 * instead would trust the very number that is wrong: a bogus length (a desynchronised or
 * hostile writer) made the agent discard the next 4 GiB of a connection without a word.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private ended = false;

  constructor(private readonly maxBytes = MAX_FRAME_BYTES) {}

  push(data: Uint8Array): DecodedFrame[] {
    const out: DecodedFrame[] = [];
    if (this.ended || data.byteLength === 0) return out;
    this.chunks.push(data);
    this.buffered += data.byteLength;
    while (this.buffered >= 4) {
      const length = this.peekLength();
      if (length > this.maxBytes) {
        out.push({ kind: 'too_large', bytes: length });
        this.ended = true;
        this.chunks = [];
        this.buffered = 0;
        break;
      }
      if (this.buffered < 4 + length) break;
      const frame = this.take(4 + length).subarray(4);
      out.push(parseBody(frame));
    }
    return out;
  }

  /** A frame over the limit has ended the stream: close the connection. */
  get failed(): boolean {
    return this.ended;
  }

  /** Bytes held waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private peekLength(): number {
    const head = this.chunks[0];
    if (head !== undefined && head.byteLength >= 4) {
      return new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
    }
    const bytes = this.copyPrefix(4);
    return new DataView(bytes.buffer).getUint32(0, true);
  }

  private copyPrefix(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    for (const chunk of this.chunks) {
      const part = chunk.subarray(0, n - filled);
      out.set(part, filled);
      filled += part.byteLength;
      if (filled === n) break;
    }
    return out;
  }

  /** Removes and returns the first n buffered bytes. */
  private take(n: number): Uint8Array {
    const head = this.chunks[0];
    let result: Uint8Array;
    if (head !== undefined && head.byteLength >= n) {
      result = head.subarray(0, n);
      if (head.byteLength === n) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
    } else {
      result = this.copyPrefix(n);
      let left = n;
      while (left > 0) {
        const chunk = this.chunks[0];
        if (chunk === undefined) break;
        if (chunk.byteLength <= left) {
          left -= chunk.byteLength;
          this.chunks.shift();
        } else {
          this.chunks[0] = chunk.subarray(left);
          left = 0;
        }
      }
    }
    this.buffered -= n;
    return result;
  }
}

function parseBody(body: Uint8Array): DecodedFrame {
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    return { kind: 'malformed', reason: 'frame is not valid UTF-8' };
  }
  try {
    return { kind: 'message', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'malformed', reason: 'frame is not valid JSON' };
  }
}
