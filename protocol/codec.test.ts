import { describe, expect, it } from 'vitest';
import { FrameDecoder, MAX_FRAME_BYTES, encodeFrame } from './codec.js';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

describe('frame codec', () => {
  it('writes a 4-byte little-endian length before UTF-8 JSON', () => {
    const frame = encodeFrame({ a: 'é' });
    const body = new TextEncoder().encode('{"a":"é"}');
    expect(new DataView(frame.buffer).getUint32(0, true)).toBe(body.byteLength);
    expect(frame.subarray(4)).toEqual(body);
  });

  it('decodes many frames from one read', () => {
    const messages = Array.from({ length: 50 }, (_, i) => ({ v: 1, type: 'x', id: i }));
    const frames = new FrameDecoder().push(concat(messages.map((m) => encodeFrame(m))));
    expect(frames).toEqual(messages.map((value) => ({ kind: 'message', value })));
  });

  it('decodes one frame split over many reads, byte by byte', () => {
    const message = { v: 1, type: 'session.input', data: '日本語 ✓ '.repeat(100) };
    const bytes = encodeFrame(message);
    const decoder = new FrameDecoder();
    const out = [];
    for (let i = 0; i < bytes.byteLength; i++) out.push(...decoder.push(bytes.subarray(i, i + 1)));
    expect(out).toEqual([{ kind: 'message', value: message }]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('reports a length over 1 MiB once and decodes nothing after it', () => {
    const decoder = new FrameDecoder();
    // A bogus length: skipping it would swallow the next 4 GiB of the stream.
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, 0xfffffff0, true);
    const results = [...decoder.push(concat([header, encodeFrame({ hidden: 1 })]))];
    expect(results).toEqual([{ kind: 'too_large', bytes: 0xfffffff0 }]);
    expect(decoder.failed).toBe(true);
    expect(decoder.pendingBytes).toBe(0);
    expect(decoder.push(encodeFrame({ after: true }))).toEqual([]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('reports invalid JSON and invalid UTF-8 as malformed and keeps decoding', () => {
    const bad = (body: Uint8Array): Uint8Array => {
      const frame = new Uint8Array(4 + body.byteLength);
      new DataView(frame.buffer).setUint32(0, body.byteLength, true);
      frame.set(body, 4);
      return frame;
    };
    const frames = new FrameDecoder().push(
      concat([
        bad(new TextEncoder().encode('{nope')),
        bad(new Uint8Array([0xff, 0xfe])),
        encodeFrame(1),
      ]),
    );
    expect(frames.map((f) => f.kind)).toEqual(['malformed', 'malformed', 'message']);
  });

  it('refuses to encode a message over the limit', () => {
    expect(() => encodeFrame({ data: 'x'.repeat(MAX_FRAME_BYTES) })).toThrow(RangeError);
  });
});
