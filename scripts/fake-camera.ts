/**
 * A camera picture for the store screenshots: Chromium's fake camera draws a green pie, which
 * tells a store visitor nothing. `--use-file-for-fake-video-capture=FILE` plays a Y4M file
 * instead; this draws a person at a desk on a canvas in Chromium and writes it as one.
 */
import fs from 'node:fs';
import puppeteer from 'puppeteer';
import { CHROMIUM } from '../test/e2e/browser.js';

export interface Look {
  /** The wall behind, top and bottom of a gradient. */
  wall: [string, string];
  skin: string;
  hair: string;
  shirt: string;
  /** Hair down to the shoulders. */
  long?: boolean;
  /** A headset over the hair. */
  headset?: boolean;
}

const WIDTH = 640;
const HEIGHT = 480;
const FRAMES = 24;

/** Draws FRAMES frames of someone breathing gently; RGBA bytes, one frame after another. */
async function draw(look: Look): Promise<Buffer> {
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox'],
  });
  try {
    const page = await browser.newPage();
    // tsx (esbuild keepNames) wraps named inner functions in __name(); give the page one.
    await page.evaluate('globalThis.__name = (f) => f');
    const frames = await page.evaluate(
      (look: Look, width: number, height: number, count: number) => {
        const canvas = document.createElement('canvas');
        canvas.width = width;
        canvas.height = height;
        const c = canvas.getContext('2d', { willReadFrequently: true });
        if (c === null) throw new Error('no 2d canvas');
        const ellipse = (x: number, y: number, rx: number, ry: number, fill: string) => {
          c.fillStyle = fill;
          c.beginPath();
          c.ellipse(x, y, rx, ry, 0, 0, Math.PI * 2);
          c.fill();
        };
        const out: string[] = [];
        for (let f = 0; f < count; f++) {
          const dy = Math.sin((f / count) * Math.PI * 2) * 3;
          // The room, out of focus: wall, a window's light, a shelf and a plant.
          c.filter = 'blur(6px)';
          const wall = c.createLinearGradient(0, 0, 0, height);
          wall.addColorStop(0, look.wall[0]);
          wall.addColorStop(1, look.wall[1]);
          c.fillStyle = wall;
          c.fillRect(-20, -20, width + 40, height + 40);
          c.fillStyle = 'rgba(255,250,235,0.35)';
          c.fillRect(440, 40, 150, 210);
          c.fillStyle = 'rgba(60,45,35,0.45)';
          c.fillRect(30, 150, 170, 10);
          ellipse(80, 120, 34, 30, 'rgba(70,120,70,0.7)');
          c.fillStyle = 'rgba(120,80,60,0.7)';
          c.fillRect(64, 128, 32, 24);
          c.filter = 'none';
          // The person.
          const top = 150 + dy;
          if (look.long === true) ellipse(320, top + 110, 96, 130, look.hair);
          ellipse(320, 480 + dy, 190, 130, look.shirt);
          c.fillStyle = look.skin;
          c.fillRect(292, top + 120, 56, 80);
          ellipse(320, top + 70, 74, 92, look.skin);
          c.fillStyle = look.hair;
          c.beginPath();
          c.ellipse(320, top + 40, 80, 72, 0, Math.PI, Math.PI * 2);
          c.fill();
          ellipse(320, top + 10, 76, 40, look.hair);
          // Eyes, brows and a mouth, soft.
          ellipse(292, top + 78, 7, 5, '#2b2424');
          ellipse(348, top + 78, 7, 5, '#2b2424');
          c.strokeStyle = 'rgba(60,40,35,0.8)';
          c.lineWidth = 4;
          c.beginPath();
          c.moveTo(278, top + 62);
          c.lineTo(304, top + 60);
          c.moveTo(336, top + 60);
          c.lineTo(362, top + 62);
          c.stroke();
          c.strokeStyle = 'rgba(150,70,70,0.9)';
          c.beginPath();
          c.arc(320, top + 108, 18, 0.15 * Math.PI, 0.85 * Math.PI);
          c.stroke();
          if (look.headset === true) {
            c.strokeStyle = '#222';
            c.lineWidth = 9;
            c.beginPath();
            c.arc(320, top + 70, 86, Math.PI * 1.05, Math.PI * 1.95);
            c.stroke();
            ellipse(236, top + 80, 14, 26, '#222');
            ellipse(404, top + 80, 14, 26, '#222');
            c.lineWidth = 4;
            c.beginPath();
            c.moveTo(236, top + 100);
            c.quadraticCurveTo(250, top + 150, 300, top + 140);
            c.stroke();
          }
          // A little light from the screen in front.
          const glow = c.createRadialGradient(320, top + 60, 20, 320, top + 60, 260);
          glow.addColorStop(0, 'rgba(190,210,255,0.10)');
          glow.addColorStop(1, 'rgba(0,0,0,0.18)');
          c.fillStyle = glow;
          c.fillRect(0, 0, width, height);
          const { data } = c.getImageData(0, 0, width, height);
          let binary = '';
          for (let i = 0; i < data.length; i += 0x8000)
            binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
          out.push(btoa(binary));
        }
        return out;
      },
      look,
      WIDTH,
      HEIGHT,
      FRAMES,
    );
    return Buffer.concat(frames.map((f) => Buffer.from(f, 'base64')));
  } finally {
    await browser.close();
  }
}

/** RGBA → I420 (BT.601, studio range), the chroma averaged over each 2×2 block. */
function i420(rgba: Buffer, offset: number): Buffer {
  const out = Buffer.alloc((WIDTH * HEIGHT * 3) / 2);
  const u0 = WIDTH * HEIGHT;
  const v0 = u0 + (WIDTH * HEIGHT) / 4;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const p = offset + (y * WIDTH + x) * 4;
      const [r, g, b] = [rgba[p] ?? 0, rgba[p + 1] ?? 0, rgba[p + 2] ?? 0];
      out[y * WIDTH + x] = Math.round(16 + 0.257 * r + 0.504 * g + 0.098 * b);
    }
  }
  for (let y = 0; y < HEIGHT / 2; y++) {
    for (let x = 0; x < WIDTH / 2; x++) {
      let [r, g, b] = [0, 0, 0];
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const p = offset + ((2 * y + dy) * WIDTH + 2 * x + dx) * 4;
        r += (rgba[p] ?? 0) / 4;
        g += (rgba[p + 1] ?? 0) / 4;
        b += (rgba[p + 2] ?? 0) / 4;
      }
      const i = y * (WIDTH / 2) + x;
      out[u0 + i] = Math.round(128 - 0.148 * r - 0.291 * g + 0.439 * b);
      out[v0 + i] = Math.round(128 + 0.439 * r - 0.368 * g - 0.071 * b);
    }
  }
  return out;
}

/** Writes `file`, a Y4M video of `look` for `--use-file-for-fake-video-capture`. */
export async function writeFakeCamera(file: string, look: Look): Promise<void> {
  const rgba = await draw(look);
  const frame = WIDTH * HEIGHT * 4;
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F24:1 Ip A1:1 C420jpeg\n`)];
  for (let f = 0; f < FRAMES; f++) parts.push(Buffer.from('FRAME\n'), i420(rgba, f * frame));
  fs.writeFileSync(file, Buffer.concat(parts));
}
