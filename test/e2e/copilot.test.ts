/**
 * The Copilot pane with real parts only: the owner's side panel in Chromium on a local bash,
 * the agent and its embedded relay on loopback, and guests in a plain Chromium page at the
 * invite URL. The owner asks what changed state, a guest sees that answer and asks for a
 * catch-up the owner then sees, and a guest who joins later reads the whole thread.
 * TANDEM_SCREENSHOTS=1 also saves the open pane to docs/images/copilot-<width>.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../fixtures/agent.js';
import {
  CHROMIUM,
  launchTandem,
  openLocalShell,
  PROMPT,
  typeInTerminal,
  visibleText,
  waitForText,
  type Tandem,
} from './browser.js';
import { axeViolations, layoutProblems } from './layout.js';

/** Headless Chromium hides local ICE candidates behind mDNS names, which loopback cannot resolve. */
const WEBRTC_ARGS = [
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--allow-loopback-in-peer-connection',
];
const SCREENSHOTS = process.env.TANDEM_SCREENSHOTS === '1';
const HEIGHT = 800;

let owner: Tandem;
let guestBrowser: Browser;
let panel: Page;
let sessionId: string;
let dir: string;
const guests: Page[] = [];
const guestErrors: string[] = [];

beforeAll(async () => {
  owner = await launchTandem({ serveGuestPage: true, args: WEBRTC_ARGS });
  dir = path.join(owner.agent.root, 'work');
  fs.mkdirSync(dir, { recursive: true });
  guestBrowser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    pipe: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', ...WEBRTC_ARGS],
  });
  panel = await owner.openPanel({ width: 400, height: HEIGHT });
  await panel.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
    timeout: 20_000,
  });
  sessionId = await openLocalShell(panel);
});

afterAll(async () => {
  await guestBrowser.close().catch(() => undefined);
  await owner.close();
});

afterEach(async (context) => {
  if (context.task.result?.state !== 'fail') return;
  process.stderr.write(`\n--- owner panel after "${context.task.name}" ---\n`);
  process.stderr.write(`${await visibleText(panel)}\n`);
  for (const page of guests) {
    const text = await page
      .evaluate(
        () => `${document.body.innerText}\n--- terminal ---\n${window.__tandemGuest?.text()}`,
      )
      .catch((error: unknown) => String(error));
    process.stderr.write(`--- guest page ---\n${text}\n`);
  }
});

const ownerPane = (): string => `.pane[data-session="${sessionId}"] [data-testid="copilot-pane"]`;

/**
 * Runs a command in the owner's shell and waits for its marker line and the prompt after it. The
 * marker is quoted on the command line, so only the output matches `^marker-done$` (an
 * arithmetic `$((…))` would do too, but the classifier takes it for a command substitution).
 */
async function run(command: string, marker: string): Promise<void> {
  await typeInTerminal(panel, `${command}; echo ${marker}-"done"\n`);
  await waitForText(panel, new RegExp(`^${marker}-done$`, 'm'), { sessionId });
  await waitForText(panel, PROMPT, { sessionId });
}

/** The terminal's rows and columns as xterm holds them (what the PTY is sized to). */
async function termSize(): Promise<{ cols: number; rows: number }> {
  return panel.evaluate((id: string) => {
    const status = document.querySelector('[data-testid="statusline"]')?.textContent ?? '';
    const match = /(\d+)×(\d+)/.exec(status);
    if (document.querySelector(`.pane[data-session="${id}"]`) === null || match === null)
      throw new Error(`no size in "${status}"`);
    return { cols: Number(match[1]), rows: Number(match[2]) };
  }, sessionId);
}

/** Waits until an entry of `action` in `pane` holds every one of `parts`. */
async function waitForEntry(
  page: Page,
  pane: string,
  action: string,
  parts: string[],
  timeout = 20_000,
): Promise<void> {
  await page.waitForFunction(
    (selector: string, want: string[]) =>
      [...document.querySelectorAll(`${selector} [data-testid="copilot-entry"]`)].some((el) =>
        want.every((part) => el.textContent.includes(part)),
      ),
    { timeout, polling: 50 },
    `${pane}`,
    parts,
  );
  expect(await page.$(`${pane} [data-testid="copilot-entry"][data-action="${action}"]`)).not.toBe(
    null,
  );
}

/** Two frames: layout and paint done after the last change. */
async function settled(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => resolve())),
      ),
  );
}

async function openGuest(url: string, name: string, width: number): Promise<Page> {
  const page = await guestBrowser.newPage();
  guests.push(page);
  await page.setViewport({ width, height: 700 });
  page.on('pageerror', (error) => guestErrors.push(String(error)));
  await page.goto(url);
  await page.waitForSelector('input[name="name"]');
  await page.type('input[name="name"]', name);
  await page.click('button[type="submit"]');
  await page.waitForFunction(() => window.__tandemGuest?.state() === 'running', {
    timeout: 30_000,
  });
  return page;
}

/** Makes a viewer invite link from the session's Share dialog, as the owner does. */
async function createInvite(): Promise<string> {
  // The Share dialog lives in the session bar; at 400 px the bar folds it into its menu.
  await panel.click(`.pane[data-session="${sessionId}"] [data-testid="session-actions"]`);
  await panel.click('[role="menu"] [data-testid="share-button"]');
  await panel.waitForSelector('[data-testid="invite-role"]');
  const before = (await panel.$$('[data-testid="invite-url"]')).length;
  await panel.select('[data-testid="invite-role"]', 'viewer');
  await panel.click('[data-testid="create-invite"]');
  await panel.waitForFunction(
    (n: number) => document.querySelectorAll('[data-testid="invite-url"]').length > n,
    {},
    before,
  );
  const urls = await panel.$$eval('[data-testid="invite-url"]', (els) =>
    els.map((el) => (el instanceof HTMLInputElement ? el.value : '')),
  );
  // Closed again, so the terminal and the pane have their room.
  await panel.click(`.pane[data-session="${sessionId}"] [data-testid="session-actions"]`);
  await panel.click('[role="menu"] [data-testid="share-button"]');
  await panel.waitForFunction(() => document.querySelector('[data-testid="invite-role"]') === null);
  return urls.at(-1) ?? '';
}

describe('the Copilot pane', () => {
  it('opens from the ⋯ menu as a sheet over the terminal, which keeps its size, and shows what changed state', async () => {
    await run('echo hello-copilot', 'one');
    await run('ls /no-such-dir-copilot', 'two');
    await run(`mkdir -p ${dir}/x`, 'three');
    await settled(panel);
    const before = await termSize();
    const termBox = await panel.$eval(
      `.pane[data-session="${sessionId}"] .term`,
      (el) => el.getBoundingClientRect().toJSON() as { height: number; width: number },
    );

    // 400 px: the bar's actions are folded into ⋯, the Copilot among them.
    expect(
      await panel.$(`.pane[data-session="${sessionId}"] button[data-testid="copilot-button"]`),
    ).toBeNull();
    await panel.click(`.pane[data-session="${sessionId}"] [data-testid="session-actions"]`);
    await panel.click('[role="menu"] [data-testid="copilot-button"]');
    await panel.waitForSelector(ownerPane());
    await settled(panel);
    // Focus moves into the pane; the sheet covers the terminal's lower part without resizing it.
    expect(
      await panel.evaluate(() => document.activeElement?.closest('[data-testid="copilot-pane"]')),
    ).not.toBeNull();
    const sheet = await panel.$eval(ownerPane(), (el) => {
      const box = el.getBoundingClientRect();
      const area = el.parentElement?.getBoundingClientRect();
      return { top: box.top, bottom: box.bottom, areaBottom: area?.bottom, areaTop: area?.top };
    });
    expect(sheet.bottom).toBeCloseTo(sheet.areaBottom ?? 0, 0);
    expect(sheet.top).toBeGreaterThan(sheet.areaTop ?? 0);
    expect(
      await panel.$eval(
        `.pane[data-session="${sessionId}"] .term`,
        (el) => el.getBoundingClientRect().toJSON() as { height: number; width: number },
      ),
    ).toMatchObject({ height: termBox.height, width: termBox.width });
    expect(await termSize()).toEqual(before);

    await panel.click(`${ownerPane()} button[data-action="changes"]`);
    await waitForEntry(panel, ownerPane(), 'changes', [
      `mkdir -p ${dir}/x`,
      'changed state',
      'creates, moves or deletes files',
      '(you)', // who asked: the owner, in the owner's own panel
    ]);
    const changes = await panel.$eval(
      `${ownerPane()} [data-testid="copilot-entry"][data-action="changes"]`,
      (el) => el.textContent,
    );
    // Read-only commands are not state changes.
    expect(changes).not.toContain('echo hello-copilot');
    // Still the same size after the ask: no resize reached the PTY.
    await run('stty size', 'four');
    expect(
      await panel.evaluate((id: string) => window.__tandem?.text(id) ?? '', sessionId),
    ).toContain(`${before.rows} ${before.cols}`);
    expect(await termSize()).toEqual(before);

    // The replay link opens the recording in a new tab, at the command.
    const link = await panel.$(`${ownerPane()} a[href^="/replay.html?recording="]`);
    if (link === null) throw new Error('no replay link in the owner’s pane');
    expect(await link.evaluate((a) => a.getAttribute('href'))).toMatch(/&t=\d+$/);
    const opened = owner.browser.waitForTarget(
      (target) => target.url().includes('/replay.html?recording='),
      { timeout: 15_000 },
    );
    await link.click();
    const replay = await (await opened).page();
    await replay?.close();

    expect([...(await layoutProblems(panel)), ...(await axeViolations(panel))]).toEqual([]);

    // Escape closes it and gives focus back to the menu it came from.
    await panel.focus(`${ownerPane()} [data-testid="copilot-close"]`);
    await panel.keyboard.press('Escape');
    await panel.waitForFunction(
      (sel: string) => document.querySelector(sel) === null,
      {},
      ownerPane(),
    );
    expect(await panel.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'session-actions',
    );
  });

  it('a guest page sees the answer, asks for a catch-up, and the owner’s pane shows it', async () => {
    const url = await createInvite();
    const guest = await openGuest(url, 'Gia', 800);
    const pane = '[data-testid="copilot-pane"]';
    // 800 px: the button sits in the bar, the pane is a column beside the terminal.
    await guest.click('button[data-testid="copilot-button"]');
    await guest.waitForSelector(pane);
    await waitForEntry(guest, pane, 'changes', [
      `mkdir -p ${dir}/x`,
      'creates, moves or deletes files',
    ]);
    const side = await guest.$eval(pane, (el) => {
      const box = el.getBoundingClientRect();
      const term = el.parentElement?.querySelector('.term')?.getBoundingClientRect();
      return { left: box.left, termRight: term?.right ?? Infinity };
    });
    expect(side.left).toBeGreaterThanOrEqual(side.termRight - 1);
    // A web page cannot open the extension's replay: the link is plain text there.
    expect(await guest.$(`${pane} a[href*="replay.html"]`)).toBeNull();
    expect(await guest.$eval(pane, (el) => el.textContent)).toContain('replay');

    // The owner opens the pane again; it kept the thread.
    if ((await panel.$(ownerPane())) === null) {
      await panel.click(`.pane[data-session="${sessionId}"] [data-testid="session-actions"]`);
      await panel.click('[role="menu"] [data-testid="copilot-button"]');
      await panel.waitForSelector(ownerPane());
    }

    await run('echo after-the-guest', 'five');
    await guest.click(`${pane} button[data-action="catchup"]`);
    await waitForEntry(guest, pane, 'catchup', ['Catch-up', 'Gia', 'after-the-guest']);
    await waitForEntry(panel, ownerPane(), 'catchup', ['Catch-up', 'Gia', 'after-the-guest']);
    expect(await guest.$$eval(`${pane} [data-testid="copilot-entry"]`, (els) => els.length)).toBe(
      2,
    );
    expect(
      await panel.$$eval(`${ownerPane()} [data-testid="copilot-entry"]`, (els) => els.length),
    ).toBe(2);
    if (SCREENSHOTS) {
      await settled(guest);
      await guest.screenshot({ path: path.join(REPO_ROOT, 'docs/images/copilot-guest-800.png') });
    }
    expect([...(await layoutProblems(guest)), ...(await axeViolations(guest))]).toEqual([]);
    expect(guestErrors).toEqual([]);
  });

  it('fits 320, 400 and 500 px with both answers showing', async () => {
    for (const width of [320, 400, 500]) {
      await panel.setViewport({ width, height: HEIGHT });
      await panel.waitForFunction(
        (w: number, sel: string) => window.innerWidth === w && document.querySelector(sel) !== null,
        {},
        width,
        ownerPane(),
      );
      await settled(panel);
      // The answers start at the top, the way a person reads the thread after a while away.
      await panel.$eval(`${ownerPane()} [data-testid="copilot-thread"]`, (el) => {
        el.scrollTop = 0;
      });
      await settled(panel);
      if (SCREENSHOTS)
        await panel.screenshot({ path: path.join(REPO_ROOT, `docs/images/copilot-${width}.png`) });
      const problems = [...(await layoutProblems(panel)), ...(await axeViolations(panel))];
      expect(problems.map((p) => `${width} px: ${p}`)).toEqual([]);
    }
    await panel.setViewport({ width: 400, height: HEIGHT });
  });

  it('a handoff note takes a hypothesis and copies with it filled in', async () => {
    await panel.click(`${ownerPane()} button[data-action="handoff"]`);
    await waitForEntry(panel, ownerPane(), 'handoff', ['Handoff note', 'Evidence']);
    const field = `${ownerPane()} [data-testid="copilot-hypothesis"]`;
    await panel.type(field, 'the mount went read-only');
    // The note in the pane shows it as written: what "Copy note" copies.
    await waitForText(panel, 'Current hypothesis: the mount went read-only');
    await panel.click(`${ownerPane()} [data-testid="copilot-copy-note"]`);
    await waitForText(panel, 'Copied');
    const copied = await panel.evaluate(() => navigator.clipboard.readText());
    expect(copied).toContain('**Current hypothesis:** the mount went read-only');
    expect(copied).toContain(`mkdir -p ${dir}/x`);
  });

  it('a guest who joins later reads the whole thread, and a refusal shows as an error line', async () => {
    const url = await createInvite();
    const late = await openGuest(url, 'Lee', 400);
    const pane = '[data-testid="copilot-pane"]';
    // 400 px: the Copilot is in the ⋯ menu here too.
    await late.click('[data-testid="session-actions"]');
    await late.click('[role="menu"] [data-testid="copilot-button"]');
    await late.waitForSelector(pane);
    await late.waitForFunction(
      (sel: string) =>
        document.querySelectorAll(`${sel} [data-testid="copilot-entry"]`).length === 3,
      { timeout: 20_000, polling: 50 },
      pane,
    );
    const actions = await late.$$eval(`${pane} [data-testid="copilot-entry"]`, (els) =>
      els.map((el) => el.getAttribute('data-action')),
    );
    expect(actions).toEqual(['changes', 'catchup', 'handoff']);

    // Past the agent's limit (5 asks, then one every 2 s) it refuses, and the pane says so. A
    // machine slow enough to refill a token between the burst and the click gets another round.
    const error = `${pane} [data-testid="copilot-error"]`;
    for (let round = 0; round < 3 && (await late.$(error)) === null; round++) {
      const answers = await late.evaluate(() =>
        Promise.all(Array.from({ length: 6 }, () => window.__tandemGuest?.askCopilot('catchup'))),
      );
      expect(answers.at(-1)).toMatch(/too fast/);
      await late.click(`${pane} button[data-action="procedure"]`);
      await late.waitForFunction(
        (sel: string) => document.querySelector(`${sel} [aria-busy="true"]`) === null,
        { timeout: 15_000, polling: 50 },
        pane,
      );
    }
    expect(await late.$eval(error, (el) => el.textContent)).toMatch(
      /^Not answered: You are asking the Copilot too fast — wait \d+ s and try again$/,
    );
    expect(guestErrors).toEqual([]);
  });
});
