/**
 * The page's JS heap over DevTools, for the `peer` bench: its peak during a flood, and what
 * is left after garbage collection.
 */
import type { CDPSession } from 'puppeteer';

/** Peak of the page's used JS heap, asked over DevTools every 200 ms until stopped. */
export class HeapSampler {
  peakMb = 0;
  private readonly timer: ReturnType<typeof setInterval>;
  private pending = false;

  constructor(private readonly cdp: CDPSession) {
    this.timer = setInterval(() => void this.sample(), 200);
  }

  private async sample(): Promise<void> {
    if (this.pending) return;
    this.pending = true;
    try {
      const { usedSize } = await this.cdp.send('Runtime.getHeapUsage');
      this.peakMb = Math.max(this.peakMb, usedSize / 1024 / 1024);
    } catch {
      // the page is busy closing; the next sample counts
    } finally {
      this.pending = false;
    }
  }

  async stop(): Promise<number> {
    clearInterval(this.timer);
    await this.sample();
    return this.peakMb;
  }
}

/** Used JS heap after two full garbage collections, MB. */
export async function heapAfterGc(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  await new Promise((r) => setTimeout(r, 200));
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize / 1024 / 1024;
}
