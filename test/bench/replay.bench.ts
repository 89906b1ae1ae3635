/**
 * The replay page in real Chromium: opens the agent bench's generated 1-hour, 100 MB recording,
 * lets the page scan its input events, then seeks to 50 random points. Reports the page's peak
 * JS heap (CDP Runtime.getHeapUsage, sampled every 50 ms and after every seek) and the
 * page-side seek time (index keyframe → screen drawn).
 */
import fs from 'node:fs';
import path from 'node:path';
import { launchTandem } from '../e2e/browser.js';
import { recordingsDir } from '../fixtures/agent.js';
import '../e2e/replay-hook.js';
import { generateRecording } from './recording.bench.js';
import { percentile, type BenchResult } from './results.js';

const SEEKS = 50;

export async function runReplayBench(): Promise<BenchResult[]> {
  const tandem = await launchTandem();
  try {
    const dir = recordingsDir(tandem.agent.env);
    const recordingId = await generateRecording(dir);
    const size = fs.statSync(path.join(dir, `${recordingId}.tandem.jsonl`)).size;
    const page = await tandem.browser.newPage();
    await page.setViewport({ width: 1200, height: 900 });
    const cdp = await page.createCDPSession();
    let peak = 0;
    let peakTotal = 0;
    const sample = async (): Promise<void> => {
      try {
        const usage = await cdp.send('Runtime.getHeapUsage');
        peak = Math.max(peak, usage.usedSize);
        peakTotal = Math.max(peakTotal, usage.totalSize);
      } catch {
        // The page is navigating.
      }
    };
    const sampler = setInterval(() => void sample(), 50);
    try {
      const opened = performance.now();
      await page.goto(
        `chrome-extension://${tandem.extensionId}/replay.html?recording=${encodeURIComponent(recordingId)}`,
      );
      await page.waitForFunction(() => window.__tandemReplay?.ready() === true, {
        timeout: 180_000,
        polling: 50,
      });
      const openMs = performance.now() - opened;
      await page.waitForFunction(() => window.__tandemReplay?.activityProgress() === 1, {
        timeout: 300_000,
        polling: 200,
      });
      const duration = await page.evaluate(() => window.__tandemReplay?.durationMs() ?? 0);
      const samples: number[] = [];
      let seed = 11;
      for (let i = 0; i < SEEKS; i++) {
        seed = (seed * 48271) % 2147483647;
        const t = (seed / 2147483647) * duration;
        samples.push(
          await page.evaluate(async (at: number) => {
            const started = performance.now();
            await window.__tandemReplay?.seek(at);
            return performance.now() - started;
          }, t),
        );
        await sample();
      }
      const mb = (bytes: number): number => bytes / 1024 / 1024;
      process.stdout.write(
        `  replay: ${Math.round(mb(size))} MB recording, open ${openMs.toFixed(0)} ms, heap peak ${mb(peak).toFixed(1)} MB (allocated ${mb(peakTotal).toFixed(1)} MB)\n`,
      );
      return [
        {
          name: 'replay.page_heap_mb',
          value: mb(peak),
          unit: 'MB',
          goal: `< 150 MB peak JS heap (used) for a ${Math.round(mb(size))} MB recording; ${SEEKS} seeks + full input scan`,
        },
        { name: 'replay.page_open_ms', value: openMs, unit: 'ms', goal: 'index + first screen' },
        { name: 'replay.page_seek_ms_p50', value: percentile(samples, 50), unit: 'ms' },
        { name: 'replay.page_seek_ms_p95', value: percentile(samples, 95), unit: 'ms' },
      ];
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await tandem.close();
  }
}
