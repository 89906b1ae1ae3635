/** The incident commander's watch view: several sessions at once, read-only, in the side panel. */
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchTandem,
  openLocalShell,
  sessionIds,
  typeInTerminal,
  visibleText,
  waitForText,
  type Tandem,
} from './browser.js';

let tandem: Tandem;
let page: Page;

beforeAll(async () => {
  tandem = await launchTandem();
  page = await tandem.openPanel();
});

afterAll(async () => {
  await tandem.close();
});

async function openShell(marker: string): Promise<string> {
  if ((await sessionIds(page)).length > 0) await page.click('button.tab-new');
  const sessionId = await openLocalShell(page);
  await typeInTerminal(page, `echo ${marker}-$((40+2))\n`);
  await waitForText(page, `${marker}-42`, { sessionId });
  return sessionId;
}

describe('watch view', () => {
  it('shows up to four sessions side by side, read-only', async () => {
    const ids = [await openShell('alpha'), await openShell('bravo'), await openShell('charlie')];
    await page.click('[data-testid="watch-toggle"]');
    await page.waitForSelector('[data-testid="watch-grid"] .watch-cell');
    const cells = await page.$$eval('.watch-cell', (els) =>
      els.map((el) => ({
        id: el.getAttribute('data-session'),
        title: el.querySelector('.watch-title')?.textContent ?? '',
        rendered: el.querySelector('.xterm-screen') !== null,
      })),
    );
    expect(
      cells.map((c) => c.id),
      await visibleText(page),
    ).toEqual(ids);
    for (const [i, marker] of ['alpha', 'bravo', 'charlie'].entries()) {
      expect(cells[i]?.rendered).toBe(true);
      expect(cells[i]?.title).toContain('Local shell');
      const text = await page.evaluate(
        (id: string) => window.__tandem?.text(id) ?? '',
        ids[i] ?? '',
      );
      expect(text).toContain(`${marker}-42`);
    }

    if (process.env.TANDEM_WATCH_SCREENSHOT !== undefined) {
      await page.screenshot({ path: process.env.TANDEM_WATCH_SCREENSHOT });
    }

    // Typing into a watched terminal reaches no device.
    await page.click(`.watch-cell[data-session="${ids[0]}"] .watch-term`);
    await page.keyboard.type('echo typed-in-watch\n');
    await new Promise((r) => setTimeout(r, 500));
    const text = await page.evaluate((id: string) => window.__tandem?.text(id) ?? '', ids[0] ?? '');
    expect(text).not.toContain('typed-in-watch');

    // Back to tabs: the session takes keystrokes again.
    await page.click('[data-testid="watch-toggle"]');
    await page.waitForSelector('[data-testid="watch-grid"]', { hidden: true });
    await typeInTerminal(page, 'echo back-$((1+1))\n');
    await waitForText(page, 'back-2', { terminal: true });
  });
});
