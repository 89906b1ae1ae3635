/**
 * Calls in real Chromium, shared by the e2e test and the bench: the flags for fake media on
 * loopback, and the steps a person takes (open the call window, join) with the checks on
 * media (getStats: frames decoded and audio bytes must grow).
 */
import fs from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import type { ReceiveStats } from '../../extension/call/call-hook-types.js';
import { expect } from 'vitest';
import { CHROMIUM, launchTandem, type Tandem } from './browser.js';

/** Headless Chromium hides local ICE candidates behind mDNS names, which loopback cannot resolve. */
export const WEBRTC_ARGS = [
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--allow-loopback-in-peer-connection',
];
/** Fake camera and microphone, permission granted, and getDisplayMedia picks a fake screen. */
export const MEDIA_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

/** Clicks the session bar's Call button, which opens the call window; returns that window. */
export async function openCallWindow(tandem: Tandem, page: Page, sessionId: string): Promise<Page> {
  const opened = tandem.browser.waitForTarget((t) => t.url().includes('/call.html'), {
    timeout: 15_000,
  });
  await page.click(`[data-session="${sessionId}"] [data-testid="call-button"]`);
  const target = await opened;
  const popup = await target.asPage();
  await popup.waitForFunction(() => window.__tandemCall !== undefined, { timeout: 15_000 });
  return popup;
}

export async function joinCall(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid="call-join"]:not([disabled])', { timeout: 15_000 });
  await page.click('[data-testid="call-join"]');
  await page.waitForFunction(() => window.__tandemCall?.phase() === 'in-call', {
    timeout: 20_000,
  });
}

/** Waits until `page` shows `n` live tiles (itself included). */
export async function liveTiles(page: Page, n: number): Promise<void> {
  await page.waitForFunction(
    (count: number) => {
      const tiles = window.__tandemCall?.tiles() ?? [];
      return tiles.length === count && tiles.every((t) => t.status === 'live');
    },
    { timeout: 30_000, polling: 100 },
    n,
  );
}

export type Stats = ReceiveStats;

export const statsOf = (page: Page): Promise<Stats[]> =>
  page.evaluate(() => window.__tandemCall?.stats() ?? Promise.resolve([]));

/**
 * Media from every other caller keeps arriving at `page`: frames decoded and audio bytes both
 * grow over a second, for each of `callers` connections.
 */
export async function mediaFlows(page: Page, callers: number): Promise<Stats[]> {
  const deadline = Date.now() + 20_000;
  let last = '';
  for (;;) {
    const before = await statsOf(page);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = await statsOf(page);
    const growing = after.filter((a) => {
      const b = before.find((x) => x.peerId === a.peerId);
      return b !== undefined && a.framesDecoded > b.framesDecoded && a.audioBytes > b.audioBytes;
    });
    if (after.length === callers && growing.length === callers) return after;
    last = JSON.stringify({ before, after });
    if (Date.now() > deadline) throw new Error(`media is not flowing: ${last}`);
  }
}

export interface CallParties {
  owner: Tandem;
  coworker: Tandem;
  guestBrowser: Browser;
  close(): Promise<void>;
}

/**
 * The owner's Chromium (serving the guest page), a co-worker's, and a plain one for a guest.
 * `remoteNice`: run the co-worker's and the guest's browsers that many nice levels down, as if
 * they were on other machines (the bench measures what the owner's machine bears).
 */
export async function launchCallParties(
  options: { remoteNice?: number } = {},
): Promise<CallParties> {
  const args = [...WEBRTC_ARGS, ...MEDIA_ARGS];
  const owner = await launchTandem({ serveGuestPage: true, args });
  let executablePath = CHROMIUM;
  if (options.remoteNice !== undefined) {
    executablePath = path.join(owner.agent.root, 'nice-chromium');
    fs.writeFileSync(
      executablePath,
      `#!/bin/sh\nexec nice -n ${options.remoteNice} ${CHROMIUM} "$@"\n`,
      { mode: 0o755 },
    );
  }
  const coworker = await launchTandem({ extensionDir: owner.extensionDir, args, executablePath });
  const guestBrowser = await puppeteer.launch({
    executablePath,
    headless: true,
    pipe: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', ...args],
  });
  return {
    owner,
    coworker,
    guestBrowser,
    async close() {
      await guestBrowser.close().catch(() => undefined);
      await coworker.close();
      await owner.close();
    },
  };
}

/** An invite link to the owner's session, made through the owner's panel. */
export function invite(
  panel: Page,
  sessionId: string,
  role: 'viewer' | 'coworker',
): Promise<string> {
  return panel.evaluate(
    async (id: string, r: string) => {
      const reply = (await window.__tandem?.model.client.request('invite.create', {
        sessionId: id,
        role: r,
      })) as { url: string };
      return reply.url;
    },
    sessionId,
    role,
  );
}

/** A guest page at the invite URL, joined under `name`. */
export async function openGuest(browser: Browser, url: string, name: string): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 760 });
  await page.goto(url);
  // The page offers the name this browser joined with last time: replace it.
  await page.click('input[name="name"]', { clickCount: 3 });
  await page.type('input[name="name"]', name);
  await page.click('button[type="submit"]');
  await page.waitForFunction(() => window.__tandemGuest?.state() === 'running', {
    timeout: 20_000,
  });
  return page;
}

/** A plain Chromium (no extension) for a guest. */
export function launchGuestBrowser(args: string[]): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    pipe: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', ...args],
  });
}

/**
 * The owner (from their call window) and a guest (from their page) join a call on the session,
 * and it is carried only through TURN: on each side the other's media flows over a relay
 * candidate, and only relayed candidates ever arrived (no host or server-reflexive address).
 */
export async function expectRelayedCall(
  owner: Tandem,
  panel: Page,
  sessionId: string,
  guest: Page,
): Promise<void> {
  const ownerCall = await openCallWindow(owner, panel, sessionId);
  await joinCall(ownerCall);
  await guest.click('[data-testid="call-button"]');
  await joinCall(guest);
  for (const page of [ownerCall, guest]) {
    await liveTiles(page, 2);
    let [stats] = await mediaFlows(page, 1);
    // Media can flow a moment before the stats name the pair it flows on.
    for (const deadline = Date.now() + 10_000; stats?.route === '' && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      [stats] = await statsOf(page);
    }
    expect(stats?.route).toBe('relay');
    expect(stats?.remoteCandidates).toEqual(['relay']);
  }
}
