/**
 * `npm run store-assets` makes the Web Store's images from the real UI: run here into a temp
 * folder, every image must have the exact size the store takes (a wrong size is refused at
 * upload), and the committed ones must too.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../fixtures/agent.js';

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-store-assets-'));

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A PNG's width and height, from its IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = fs.readFileSync(file);
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

const EXPECTED: Record<string, { width: number; height: number }> = {
  'icons/icon-16.png': { width: 16, height: 16 },
  'icons/icon-32.png': { width: 32, height: 32 },
  'icons/icon-48.png': { width: 48, height: 48 },
  'icons/icon-128.png': { width: 128, height: 128 },
  'screenshot-1-serial-console.png': { width: 1280, height: 800 },
  'screenshot-2-shared-session.png': { width: 1280, height: 800 },
  'screenshot-3-call.png': { width: 1280, height: 800 },
  'screenshot-4-replay.png': { width: 1280, height: 800 },
  'screenshot-5-copilot-handoff.png': { width: 1280, height: 800 },
  'promo-tile-440x280.png': { width: 440, height: 280 },
};

describe('store assets', () => {
  it('the script makes every image at the exact size the store takes', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/store-assets.ts'), dir],
      { cwd: REPO_ROOT, timeout: 240_000 },
    );
    expect(stdout).toContain('saved promo-tile-440x280.png');
    const made = fs
      .readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.png'))
      .sort();
    expect(made).toEqual(Object.keys(EXPECTED).sort());
    for (const [file, size] of Object.entries(EXPECTED)) {
      expect({ file, ...pngSize(path.join(dir, file)) }).toEqual({ file, ...size });
      // The committed listing holds the same images at the same sizes.
      expect({ file, ...pngSize(path.join(REPO_ROOT, 'store-assets', file)) }).toEqual({
        file,
        ...size,
      });
    }
    // At least five screenshots, as the listing promises; text files beside them.
    expect(made.filter((f) => f.startsWith('screenshot-'))).toHaveLength(5);
    for (const text of ['listing.md', 'privacy-policy.md'])
      expect(fs.statSync(path.join(REPO_ROOT, 'store-assets', text)).size).toBeGreaterThan(500);
  }, 300_000);
});
