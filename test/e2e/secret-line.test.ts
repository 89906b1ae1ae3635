/**
 * The lock ("type a secret") in the real side panel: visible and labelled at narrow and wide
 * panel widths, pressed while the next line is typed, released by Enter, and that line kept out
 * of the recording at a prompt the agent's detection does not know.
 */
import path from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, spawnHost, type HostProcess } from '../fixtures/agent.js';
import { events, readAll } from '../fixtures/recordings.js';
import {
  dumpPanelOnFailure,
  launchTandem,
  typeInTerminal,
  waitForText,
  type Tandem,
} from './browser.js';

const CONSOLE = path.join(REPO_ROOT, 'test/fixtures/slow-console.mjs');
const TOGGLE = '.pane:not([style*="none"]) [data-testid="secret-toggle"]';

let tandem: Tandem;
let page: Page | undefined;
let host: HostProcess | undefined;

beforeAll(async () => {
  tandem = await launchTandem();
});

afterAll(async () => {
  await host?.close();
  await tandem.close();
});

dumpPanelOnFailure(() => page);

interface ToggleState {
  pressed: string | null;
  label: string | null;
  text: string;
  left: number;
  right: number;
  top: number;
  width: number;
  viewport: number;
  visible: boolean;
}

async function toggleState(p: Page): Promise<ToggleState> {
  return p.$eval(TOGGLE, (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return {
      pressed: el.getAttribute('aria-pressed'),
      label: el.getAttribute('aria-label'),
      text: el.textContent ?? '',
      left: box.left,
      right: box.right,
      top: box.top,
      width: box.width,
      viewport: window.innerWidth,
      visible: style.visibility !== 'hidden' && style.display !== 'none' && box.width > 0,
    };
  });
}

describe('type a secret (the lock)', () => {
  it('is visible at 320–500 px, pressed for one line, and keeps that line out of the recording', async () => {
    page = await tandem.openPanel({ width: 320, height: 640 });
    await waitForText(page, 'Open local shell');
    // A prompt no detection knows, on a console that does not echo: only the lock can tell.
    const odd = { prompt: 'Enter the magic word> ', echo: false };
    const script = JSON.stringify({ steps: [odd, odd] });
    const sessionId = await page.evaluate(
      (shell: string, args: string[]) =>
        window.__tandem?.open({ kind: 'pty', shell, args }, 'console'),
      process.execPath,
      [CONSOLE, script],
    );
    if (sessionId === undefined) throw new Error('the panel did not open the session');
    await waitForText(page, 'magic word>', { sessionId });

    await page.waitForSelector(TOGGLE, { visible: true });
    const off = await toggleState(page);
    expect(off).toMatchObject({ pressed: 'false', visible: true });
    expect(off.label).toMatch(/^Type a secret/);
    expect(off.left).toBeGreaterThanOrEqual(0);
    expect(off.right).toBeLessThanOrEqual(off.viewport);

    await page.click(TOGGLE);
    const on = await toggleState(page);
    expect(on).toMatchObject({ pressed: 'true', visible: true });
    expect(on.text).toContain('Secret line');
    expect(on.label).toMatch(/not recorded or shown to others/);
    expect(on.right).toBeLessThanOrEqual(on.viewport);

    await typeInTerminal(page, 'opensesame');
    expect((await toggleState(page)).pressed).toBe('true');
    await typeInTerminal(page, '\n');
    // Enter releases it: one click, one line.
    await page.waitForFunction(
      (selector: string) =>
        document.querySelector(selector)?.getAttribute('aria-pressed') === 'false',
      { timeout: 5000 },
      TOGGLE,
    );
    await waitForText(page, /magic word>[^]*magic word>/, { sessionId });
    await typeInTerminal(page, 'plain\n');
    await waitForText(page, 'Welcome', { sessionId });

    for (const width of [380, 500]) {
      await page.setViewport({ width, height: 640 });
      await page.waitForFunction(() => window.innerWidth > 0);
      const state = await toggleState(page);
      expect(state.visible, `${width} px`).toBe(true);
      expect(state.right, `${width} px`).toBeLessThanOrEqual(width);
      expect(state.text, `${width} px`).toContain('Secret');
    }

    host = spawnHost(tandem.agent.env);
    const { client } = host;
    const { recordings } = await client.request('recording.list', {});
    const recording = recordings.find((r) => r.sessionId === sessionId);
    if (recording === undefined) throw new Error('no recording for the session');
    await client.request('session.close', { sessionId });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const text = await readAll(client, recording.recordingId, 'native');
    expect(text).not.toContain('opensesame');
    const typed = events(text)
      .filter((l) => l[1] === 'i' || l[1] === 's')
      .map((l) => (l[1] === 's' ? '<withheld>' : String(l[3])))
      .join('');
    expect(typed).toBe('<withheld>plain\r');
  });
});
