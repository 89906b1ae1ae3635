/**
 * The side panel at the widths it lives in (320, 400 and 500 px): the main views — new
 * terminal forms, a shared session with four people and the typing indicator, the Share
 * dialog, the recording banner, the watch wall and the replay page — keep every control on
 * screen and apart from the others, and pass axe-core's contrast and naming rules.
 * TANDEM_SCREENSHOTS=1 also saves each view to docs/images/layout-<view>-<width>.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, spawnHost, type HostProcess } from '../fixtures/agent.js';
import { Participant, parseInviteUrl } from '../fixtures/participant.js';
import { dumpPanelOnFailure, launchTandem, waitForText, type Tandem } from './browser.js';
import { axeViolations, layoutProblems, settledWatchProblems } from './layout.js';
import './replay-hook.js';

const WIDTHS = [320, 400, 500] as const;
const HEIGHT = 640;
const SCREENSHOTS = process.env.TANDEM_SCREENSHOTS === '1';

let tandem: Tandem;
let host: HostProcess;
let page: Page | undefined;
const participants: Participant[] = [];
let typingTimer: NodeJS.Timeout | undefined;

beforeAll(async () => {
  tandem = await launchTandem();
  host = spawnHost(tandem.agent.env);
});

afterAll(async () => {
  clearInterval(typingTimer);
  for (const p of participants) p.close();
  await host.close();
  await tandem.close();
});

dumpPanelOnFailure(() => page);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Checks the view as it stands and, when asked, saves it; returns what is wrong. */
async function check(p: Page, view: string, width: number): Promise<string[]> {
  await sleep(150); // one layout pass after the last change
  if (SCREENSHOTS) {
    await p.screenshot({ path: path.join(REPO_ROOT, `docs/images/layout-${view}-${width}.png`) });
  }
  const problems = await layoutProblems(p);
  const axe = await axeViolations(p);
  return [...problems, ...axe].map((problem) => `${view} at ${width} px: ${problem}`);
}

async function clickAction(p: Page, testId: string): Promise<void> {
  const inline = await p.$(`.pane:not([style*="none"]) button[data-testid="${testId}"]`);
  if (inline !== null) return inline.click();
  // Narrow: the session bar's actions live in its menu.
  await p.click('.pane:not([style*="none"]) [data-testid="session-actions"]');
  await p.waitForSelector(`[role="menu"] [data-testid="${testId}"]`);
  await p.click(`[role="menu"] [data-testid="${testId}"]`);
}

describe('panel layout at 320–500 px', () => {
  it('keeps every control on screen, apart, named and legible in every main view', async () => {
    if (SCREENSHOTS) fs.mkdirSync(path.join(REPO_ROOT, 'docs/images'), { recursive: true });
    const problems: string[] = [];
    page = await tandem.openPanel({ width: 500, height: HEIGHT });
    const p = page;
    await waitForText(p, 'Open local shell');

    for (const width of WIDTHS) {
      await p.setViewport({ width, height: HEIGHT });
      for (const [kind, label] of [
        ['local', 'Local shell'],
        ['ssh', 'SSH'],
        ['serial', 'Serial'],
        ['join', 'Join'],
      ] as const) {
        const [tab] = await p.$$(`xpath/.//button[@role="tab" and text()="${label}"]`);
        if (tab === undefined) throw new Error(`no ${label} tab`);
        await tab.click();
        problems.push(...(await check(p, `new-${kind}`, width)));
      }
    }

    // Three sessions (the tab strip overflows at 320 px); the first shared with three people.
    const open = (name: string): Promise<string> =>
      p.evaluate(async (n: string) => {
        const hook = window.__tandem;
        if (hook === undefined) throw new Error('no hook');
        return hook.open({ kind: 'pty' }, n);
      }, name);
    const shared = await open('Core switch console');
    await waitForText(p, /[$#] ?$/, { sessionId: shared });
    const edge = await open('Edge router');
    await open('Build box');
    const { client } = host;
    // A screenful of output, so a watch cell that crops must follow the cursor to the bottom.
    await waitForText(p, /[$#] ?$/, { sessionId: edge });
    client.notify('session.input', { sessionId: edge, data: 'seq 1 80\r' });
    await waitForText(p, /^80$/m, { sessionId: edge });
    const names = ['Ana Lopez', 'Ben Okafor', 'Chen Wei'];
    for (const name of names) {
      const { url } = await client.request('invite.create', {
        sessionId: shared,
        role: 'coworker',
      });
      const link = parseInviteUrl(url);
      const participant = await Participant.connect(link);
      participants.push(participant);
      await participant.join(link, name);
      await participant.request('session.attach', { sessionId: shared });
    }
    const typist = participants[0];
    if (typist === undefined) throw new Error('no participant');
    // Ana keeps typing (spaces, harmless at a prompt) so the indicator stays up.
    typingTimer = setInterval(() => {
      void typist.request('session.input', { sessionId: shared, data: ' ' }).catch(() => undefined);
    }, 400);
    await p.click(`[role="tab"][title]:first-child`);
    await p.waitForFunction(
      () => document.querySelectorAll('.pane:not([style*="none"]) .avatar').length === 4,
      { timeout: 20_000 },
    );
    await waitForText(p, 'Ana Lopez is typing');

    for (const width of WIDTHS) {
      await p.setViewport({ width, height: HEIGHT });
      await p.waitForSelector('.pane:not([style*="none"]) [data-testid="typing"]');
      problems.push(...(await check(p, 'shared-session', width)));

      await clickAction(p, 'share-button');
      await p.waitForSelector('[data-testid="create-invite"]', { visible: true });
      await p.click('[data-testid="create-invite"]');
      await p.waitForSelector('[data-testid="invite-url"]', { visible: true });
      problems.push(...(await check(p, 'share-dialog', width)));
      await p.click('[aria-label="Close sharing"]');
      await p.waitForSelector('[data-testid="share-dialog"]', { hidden: true });

      const termTop = (): Promise<number> =>
        p.$eval('.pane:not([style*="none"]) .term', (el) => el.getBoundingClientRect().top);
      // Measured with no banner showing (the one from opening the session has gone).
      await p.waitForSelector('.pane:not([style*="none"]) [data-testid="recording-banner"]', {
        hidden: true,
        timeout: 10_000,
      });
      const topBefore = await termTop();
      await p.click('.pane:not([style*="none"]) [data-testid="recording-toggle"]');
      await p.waitForSelector('.pane:not([style*="none"]) [data-testid="recording-banner"]');
      problems.push(...(await check(p, 'recording-banner', width)));
      // The banner comes (and goes) in the bar's own row: nothing below it moves.
      expect(await termTop()).toBe(topBefore);
      await p.click('.pane:not([style*="none"]) [data-testid="recording-toggle"]');
      await p.waitForFunction(
        () =>
          document
            .querySelector('.pane:not([style*="none"]) [data-testid="recording-bar"]')
            ?.getAttribute('data-state') === 'on',
      );

      await p.click('[data-testid="watch-toggle"]');
      await p.waitForSelector('[data-testid="watch-grid"] .watch-cell .xterm-screen');
      problems.push(...(await check(p, 'watch', width)));
      problems.push(...(await settledWatchProblems(p)).map((m) => `watch at ${width} px: ${m}`));
      await p.click('[data-testid="watch-toggle"]');
      await p.waitForSelector('[data-testid="watch-grid"]', { hidden: true });
    }
    // A call going on: the chip with the count, the call mark on avatars, Join call.
    let n = 0;
    for (const participant of participants) {
      n += 1;
      await participant.request('call.join', {
        sessionId: shared,
        peerId: `tcall-layout-${n}-0123456789abcdef`,
        muted: n === 2,
        camera: true,
        screen: false,
      });
    }
    for (const width of WIDTHS) {
      await p.setViewport({ width, height: HEIGHT });
      await p.waitForSelector('.pane:not([style*="none"]) [data-testid="call-chip"]');
      problems.push(...(await check(p, 'shared-session-call', width)));
    }
    // The dark theme (following the system) meets the same contrast.
    await p.setViewport({ width: 400, height: HEIGHT });
    await p.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    problems.push(...(await check(p, 'dark-shared-session', 400)));
    await p.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    clearInterval(typingTimer);

    // A watch cell's title opens its session.
    await p.click('[data-testid="watch-toggle"]');
    await p.click('[data-testid="watch-grid"] [aria-label="Open Edge router"]');
    await p.waitForSelector('[data-testid="watch-grid"]', { hidden: true });
    expect(
      await p.$eval('[role="tab"][aria-selected="true"]', (tab) => tab.textContent ?? ''),
    ).toContain('Edge router');

    const { recordings } = await client.request('recording.list', {});
    const recording = recordings.find((r) => r.sessionId === shared);
    if (recording === undefined) throw new Error('no recording of the shared session');
    for (const width of WIDTHS) {
      const replay = await tandem.browser.newPage();
      await replay.setViewport({ width, height: HEIGHT });
      await replay.goto(
        `chrome-extension://${tandem.extensionId}/replay.html?recording=${encodeURIComponent(recording.recordingId)}`,
      );
      await replay.waitForFunction(() => window.__tandemReplay?.ready() === true, {
        timeout: 20_000,
      });
      problems.push(...(await check(replay, 'replay', width)));
      await replay.close();
    }

    expect(problems).toEqual([]);
    // Every main view at three widths and in two themes, each opened, screenshotted and checked:
    // ~20 s alone, twice that beside another e2e file on 2 cores.
  }, 180_000);
});

/** What has keyboard focus: its accessible name, and whether its focus ring shows. */
async function focused(p: Page): Promise<{ name: string; role: string; ring: boolean }> {
  return p.evaluate(() => {
    const el = document.activeElement;
    if (el === null || el === document.body) return { name: '', role: '', ring: false };
    const style = getComputedStyle(el);
    return {
      name: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim(),
      role: el.getAttribute('role') ?? el.tagName.toLowerCase(),
      ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1,
    };
  });
}

describe('keyboard', () => {
  it('reaches the tabs and toolbar by Tab with a visible focus ring; Enter and arrows act', async () => {
    page = await tandem.openPanel({ width: 320, height: HEIGHT });
    const p = page;
    await p.waitForFunction(() => window.__tandem?.linkState() === 'connected');
    // Two sessions at least, for the Watch button (the layout test leaves three).
    await p.evaluate(async () => {
      const hook = window.__tandem;
      while (hook !== undefined && hook.sessions().length < 2) await hook.open({ kind: 'pty' });
    });
    await p.waitForSelector('.tab.active');
    const reached: { name: string; role: string; ring: boolean }[] = [];
    await p.evaluate(() => {
      if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    });
    for (let i = 0; i < 14; i++) {
      await p.keyboard.press('Tab');
      const now = await focused(p);
      // The terminal takes Tab itself; between the page's end and start focus is the browser's.
      if (now.role === 'textarea') break;
      if (now.role === '') continue;
      reached.push(now);
    }
    const names = reached.map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'New terminal',
        'Recordings',
        'Watch up to four sessions at once, read-only',
        'Session actions',
        'Pause recording',
      ]),
    );
    expect(reached.some((r) => r.role === 'tab')).toBe(true);
    expect(reached.filter((r) => !r.ring)).toEqual([]);

    // Tabs: focus the active one, arrow to the next, Enter opens it.
    const before = await p.evaluate(() => window.__tandem?.activeId());
    await p.focus('.tab.active');
    await p.keyboard.press('ArrowRight');
    await p.keyboard.press('Enter');
    await p.waitForFunction((id) => window.__tandem?.activeId() !== id, {}, before);

    // The session bar's menu: Enter opens it on its first item, Escape gives focus back.
    await p.focus('.pane:not([style*="none"]) [data-testid="session-actions"]');
    await p.keyboard.press('Enter');
    await p.waitForSelector('[role="menu"]');
    expect((await focused(p)).role).toBe('menuitem');
    await p.keyboard.press('Escape');
    await p.waitForSelector('[role="menu"]', { hidden: true });
    expect((await focused(p)).name).toBe('Session actions');

    // + by keyboard opens the New terminal form.
    await p.focus('[aria-label="New terminal"]');
    await p.keyboard.press('Enter');
    await waitForText(p, 'Open local shell');
    await p.close();
  });
});

describe('terminal font size', () => {
  it('grows with Ctrl +, shrinks with Ctrl −, resets with Ctrl 0, and survives a reload', async () => {
    page = await tandem.openPanel({ width: 400, height: HEIGHT });
    const p = page;
    await p.waitForFunction(() => window.__tandem?.linkState() === 'connected');
    await p.evaluate(async () => {
      const hook = window.__tandem;
      if (hook !== undefined && hook.sessions().length === 0) await hook.open({ kind: 'pty' });
    });
    const sizes = (): Promise<{ model: number; terminal: number | undefined }> =>
      p.evaluate(() => ({
        model: window.__tandem?.model.fontSize ?? 0,
        terminal: window.__tandem?.model.sessions[0]?.terminal.term.options.fontSize,
      }));
    const chord = async (key: 'Equal' | 'Minus' | 'Digit0'): Promise<void> => {
      await p.focus('.pane:not([style*="none"]) .xterm-helper-textarea');
      await p.keyboard.down('Control');
      await p.keyboard.press(key);
      await p.keyboard.up('Control');
    };
    await p.waitForSelector('.pane:not([style*="none"]) .xterm-helper-textarea');
    const start = (await sizes()).model;
    await chord('Equal');
    await chord('Equal');
    await p.waitForFunction((n: number) => window.__tandem?.model.fontSize === n, {}, start + 2);
    expect(await sizes()).toEqual({ model: start + 2, terminal: start + 2 });
    // Stored a moment after it shows: a reload before the write commits would abort it.
    await p.waitForFunction(
      async (n: number) => (await window.__tandem?.model.db.settings.get('fontSize'))?.value === n,
      {},
      start + 2,
    );

    await p.reload();
    await p.waitForFunction(() => (window.__tandem?.sessions().length ?? 0) >= 1, {
      timeout: 20_000,
    });
    await p.waitForFunction((n: number) => window.__tandem?.model.fontSize === n, {}, start + 2);
    await p.waitForSelector('.pane:not([style*="none"]) .xterm-helper-textarea');
    expect((await sizes()).terminal).toBe(start + 2);

    await chord('Minus');
    await p.waitForFunction((n: number) => window.__tandem?.model.fontSize === n, {}, start + 1);
    await chord('Digit0');
    await p.waitForFunction(() => window.__tandem?.model.fontSize === 13);
    expect((await sizes()).terminal).toBe(13);
  });
});
