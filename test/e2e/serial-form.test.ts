/**
 * The Serial form as a field tech uses it, with real socat ptys: a typed path opened with a
 * preset is remembered (the baud rate comes back when the path is typed again), offered first
 * and named in the list even though no lister finds a pty by itself, and a port that appears
 * while the form is open (re-plugged) shows within 2 s.
 */
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSerialPair, type SerialPair } from '../fixtures/serial.js';
import {
  dumpPanelOnFailure,
  launchTandem,
  sessionIds,
  waitForNewSession,
  waitForText,
  type Tandem,
} from './browser.js';

let tandem: Tandem;
let page: Page | undefined;
let pair: SerialPair;

beforeAll(async () => {
  tandem = await launchTandem();
  pair = await startSerialPair();
});

afterAll(async () => {
  await pair.kill();
  await tandem.close();
});

dumpPanelOnFailure(() => page);

async function serialTab(p: Page): Promise<void> {
  if ((await sessionIds(p)).length > 0) await p.click('button.tab-new');
  await waitForText(p, 'Local shell');
  const [tab] = await p.$$('xpath/.//button[@role="tab" and text()="Serial"]');
  if (tab === undefined) throw new Error('no Serial tab');
  await tab.click();
  await p.waitForSelector('[data-testid="serial-form"]');
}

async function chip(p: Page, group: string, label: string): Promise<void> {
  const [button] = await p.$$(`xpath/.//*[@aria-label="${group}"]/button[text()="${label}"]`);
  if (button === undefined) throw new Error(`no "${label}" in ${group}`);
  await button.click();
}

const value = (p: Page, selector: string): Promise<string> =>
  p.$eval(selector, (el) =>
    el instanceof HTMLInputElement || el instanceof HTMLSelectElement ? el.value : '',
  );
const baud = (p: Page): Promise<string> => value(p, 'input[name="baud"]');

describe('serial form', () => {
  it('remembers a typed path and its settings, offers it first, and shows it on replug', async () => {
    page = await tandem.openPanel({ width: 400, height: 720 });
    const p = page;
    await serialTab(p);

    // A pty no lister knows: typed, opened at 9600 8N1 with RTS/CTS by one click.
    await p.type('input[name="path"]', pair.pathA);
    await chip(p, 'Presets', '9600 8N1 RTS/CTS');
    expect(await baud(p)).toBe('9600');
    expect(await value(p, 'select[name="flowControl"]')).toBe('rtscts');
    const known = await sessionIds(p);
    await p.click('[data-testid="serial-form"] button[type="submit"]');
    await waitForNewSession(p, known);
    // Saved once the port opened: the session can show a moment before the write lands.
    await expect
      .poll(async () => {
        const saved = await p.evaluate(
          (path: string) => window.__tandem?.serialSettings(path),
          pair.pathA,
        );
        return saved?.baudRate;
      })
      .toBe(9600);

    // Back in the form: the pty is listed first, with what was used last.
    await serialTab(p);
    const first = `.ports li:first-child [data-port="${pair.pathA}"]`;
    await p.waitForSelector(first, { timeout: 5000 });
    expect(await p.$eval(first, (el) => el.textContent)).toContain('last 9600 8N1');

    // Typing the path brings its settings back (it used to reset to 115200).
    await p.click('input[name="path"]', { count: 3 });
    await p.keyboard.press('Backspace');
    await chip(p, 'Baud rate', '115200');
    await p.type('input[name="path"]', pair.pathA);
    await p.waitForFunction(
      () => {
        const input = document.querySelector('input[name="baud"]');
        return input instanceof HTMLInputElement && input.value === '9600';
      },
      { timeout: 3000 },
    );
    expect(await value(p, 'select[name="flowControl"]')).toBe('rtscts');

    // Unplugged: offered as used before; plugged back in: listed within 2 s.
    await pair.kill();
    await p.waitForSelector(first, { hidden: true, timeout: 5000 });
    await waitForText(p, pair.pathA);
    await pair.restart();
    const started = Date.now();
    await p.waitForSelector(first, { timeout: 5000 });
    const shownAfterMs = Date.now() - started;
    process.stdout.write(`serial port shown ${shownAfterMs} ms after it appeared\n`);
    expect(shownAfterMs).toBeLessThan(2000);
  });
});
