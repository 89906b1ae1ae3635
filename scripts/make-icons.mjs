// Draws Tandem's toolbar icon (two linked terminal prompts on a dark rounded square) into
// extension/public/icon/{16,32,48,128}.png. Plain Node (zlib), no image libraries.
import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../extension/public/icon');

function crc32(buf) {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      // 4×4 supersampling for smooth edges.
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const [r, g, b, a] = pixel((x + (sx + 0.5) / 4) / size, (y + (sy + 0.5) / 4) / size);
          acc[0] += r * a;
          acc[1] += g * a;
          acc[2] += b * a;
          acc[3] += a;
        }
      }
      const o = y * (size * 4 + 1) + 1 + x * 4;
      const alpha = acc[3] / 16;
      raw[o] = alpha > 0 ? Math.round(acc[0] / acc[3]) : 0;
      raw[o + 1] = alpha > 0 ? Math.round(acc[1] / acc[3]) : 0;
      raw[o + 2] = alpha > 0 ? Math.round(acc[2] / acc[3]) : 0;
      raw[o + 3] = Math.round(alpha * 255);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Distance from point p to segment ab. */
function segment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

const BACKGROUND = [24, 28, 36];
const TEAL = [86, 182, 194];
const BLUE = [97, 175, 239];

function pixel(x, y) {
  // Rounded square.
  const r = 0.2;
  const cx = Math.min(Math.max(x, r), 1 - r);
  const cy = Math.min(Math.max(y, r), 1 - r);
  if (Math.hypot(x - cx, y - cy) > r) return [0, 0, 0, 0];
  const w = 0.075;
  // Two chevrons side by side (">>": two people at one prompt), then an underscore cursor.
  if (segment(x, y, 0.2, 0.3, 0.38, 0.48) < w || segment(x, y, 0.38, 0.48, 0.2, 0.66) < w) {
    return [...TEAL, 1];
  }
  if (segment(x, y, 0.4, 0.3, 0.58, 0.48) < w || segment(x, y, 0.58, 0.48, 0.4, 0.66) < w) {
    return [...BLUE, 1];
  }
  if (segment(x, y, 0.62, 0.7, 0.8, 0.7) < w) return [230, 232, 236, 1];
  return [...BACKGROUND, 1];
}

fs.mkdirSync(out, { recursive: true });
for (const size of [16, 32, 48, 128])
  fs.writeFileSync(path.join(out, `${size}.png`), png(size, pixel));
