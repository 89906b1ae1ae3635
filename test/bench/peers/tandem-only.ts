/**
 * The `peer` bench's Tandem-only measures: a panel joining a session late (its scrollback
 * replayed into a new view), and the panel's heap over many sessions.
 */
import type { Page } from 'puppeteer';
import type { Terminal } from '@xterm/xterm';
import type { Tandem } from '../../e2e/browser.js';
import { heapAfterGc } from './heap.js';
import { probe } from './page-probe.js';

export interface Viewport {
  width: number;
  height: number;
}

/**
 * A second panel opened on a session whose output is already there: ms from that page's
 * navigation until the session's last line is parsed in it, for `lines` lines of scrollback.
 */
export async function lateJoin(
  tandem: Tandem,
  owner: Page,
  sessionId: string,
  lines: number,
  viewport: Viewport,
): Promise<number> {
  const marker = `LATE-42-${lines}`;
  const fill = lines > 0 ? `seq 1 ${lines}; ` : '';
  await probe(owner, 'command', [`${fill}echo LATE-$((6*7))-${lines}`, marker, 60_000], 90_000);
  // As tandem.openPanel(), with a watcher that runs from the page's first script on.
  const late = await tandem.browser.newPage();
  try {
    await late.setViewport(viewport);
    await late.evaluateOnNewDocument('globalThis.__name = (f) => f');
    await late.evaluateOnNewDocument(
      (id: string, m: string) => {
        const isTerminal = (value: unknown): value is Pick<Terminal, 'buffer'> =>
          typeof value === 'object' && value !== null && 'buffer' in value;
        const check = (): void => {
          const term: unknown = window.__tandem?.model.sessions.find((s) => s.id === id)?.terminal
            .term;
          if (isTerminal(term)) {
            const buffer = term.buffer.active;
            const cursor = buffer.baseY + buffer.cursorY;
            for (let i = Math.max(0, cursor - 2); i <= cursor; i++) {
              if (buffer.getLine(i)?.translateToString(true) === m) {
                document.documentElement.dataset.lateShown = String(performance.now());
                return;
              }
            }
          }
          requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      },
      sessionId,
      marker,
    );
    await late.goto(`chrome-extension://${tandem.extensionId}/sidepanel.html`);
    const shown = await late.waitForFunction(
      () => document.documentElement.dataset.lateShown ?? false,
      { timeout: 60_000, polling: 100 },
    );
    const ms = Number(await shown.jsonValue());
    if (lines > 0) {
      const count = await late.evaluate(
        (id: string, last: number) =>
          (window.__tandem?.text(id) ?? '')
            .split('\n')
            .filter((l) => /^\d+$/.test(l) && Number(l) <= last).length,
        sessionId,
        lines,
      );
      if (count < lines) throw new Error(`the late panel shows ${count} of ${lines} lines`);
    }
    return ms;
  } finally {
    await late.close();
  }
}

/** Panel heap (after GC) before and after 10 sessions opened, filled and closed, MB. */
export async function heapGrowth(
  tandem: Tandem,
  viewport: Viewport,
): Promise<{ before: number; after: number }> {
  const page = await tandem.openPanel(viewport);
  try {
    await page.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
      timeout: 20_000,
    });
    await page.evaluate('globalThis.__name = (f) => f');
    const cdp = await page.createCDPSession();
    const cycle = (): Promise<void> =>
      page.evaluate(async () => {
        const hook = window.__tandem;
        if (hook === undefined) throw new Error('no hook');
        const script = 'seq 1 20000; echo HEAP-$((6*7)); exec cat';
        const id = await hook.open(
          { kind: 'pty', shell: '/bin/bash', args: ['-c', script] },
          'heap',
        );
        const started = performance.now();
        while (!hook.text(id).includes('\nHEAP-42')) {
          if (performance.now() - started > 30_000) throw new Error('no HEAP-42 within 30 s');
          await new Promise((r) => setTimeout(r, 200));
        }
        await hook.model.close(id);
      });
    // Three sessions first: what the first ones load once (code, fonts, glyph caches) is not
    // growth, nor is V8 optimizing more of the page's functions as they warm up (a heap snapshot
    // diff across 10 cycles after one warm-up showed ~1–3 MB, all of it compiled code).
    for (let i = 0; i < 3; i++) await cycle();
    const before = await heapAfterGc(cdp);
    for (let i = 0; i < 10; i++) await cycle();
    await new Promise((r) => setTimeout(r, 500));
    const after = await heapAfterGc(cdp);
    return { before, after };
  } finally {
    await page.close();
  }
}
