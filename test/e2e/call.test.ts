/**
 * A session call with real parts only: the owner's side panel and its call window, a
 * co-worker's second Chromium with the extension (its panel and call window), and a guest page
 * in a plain Chromium, all on one shared session through the agent's embedded relay (a real
 * PeerServer). Chromium's fake camera and microphone; media checked with getStats, not
 * elements: frames decoded and audio bytes received must grow.
 */
import path from 'node:path';
import type { Page } from 'puppeteer';
import { REPO_ROOT } from '../fixtures/agent.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { visibleText, waitForText, type Tandem } from './browser.js';
import {
  invite,
  joinCall,
  launchCallParties,
  liveTiles,
  mediaFlows,
  openCallWindow,
  openGuest,
  statsOf,
  type CallParties,
} from './call-helpers.js';

const SCREENSHOTS = process.env.TANDEM_SCREENSHOTS === '1';
/** TANDEM_SCREENSHOTS=1 saves what a person sees to docs/images/call-<name>.png. */
async function shot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS)
    await page.screenshot({ path: path.join(REPO_ROOT, `docs/images/call-${name}.png`) });
}

let parties: CallParties;
let panel: Page;
let kimPanel: Page;
let ownerCall: Page;
let kimCall: Page;
let guest: Page;
let sessionId: string;
const pageErrors: string[] = [];

function watchErrors(page: Page, who: string): Page {
  page.on('pageerror', (error) => pageErrors.push(`${who}: ${String(error)}`));
  return page;
}

const callWindow = async (tandem: Tandem, page: Page): Promise<Page> =>
  watchErrors(await openCallWindow(tandem, page, sessionId), 'call window');

beforeAll(async () => {
  parties = await launchCallParties();
  panel = watchErrors(await parties.owner.openPanel({ width: 460, height: 720 }), 'owner panel');
  await panel.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
    timeout: 20_000,
  });
  sessionId = await panel.evaluate(
    () => window.__tandem?.open({ kind: 'pty' }, 'Incident shell') ?? '',
  );
  await waitForText(panel, /[$#] ?$/, { sessionId });
}, 120_000);

afterAll(async () => {
  await parties?.close();
});

afterEach(async (context) => {
  if (context.task.result?.state !== 'fail') return;
  for (const [who, page] of [
    ['owner panel', panel],
    ['owner call window', ownerCall],
    ['co-worker call window', kimCall],
    ['guest', guest],
  ] as const) {
    if (page === undefined || page.isClosed()) continue;
    const call = await page
      .evaluate(() => JSON.stringify(window.__tandemCall?.tiles() ?? null))
      .catch(String);
    process.stderr.write(
      `\n--- ${who} ---\n${await visibleText(page).catch(String)}\ncall tiles: ${call}\n`,
    );
  }
  process.stderr.write(`page errors: ${JSON.stringify(pageErrors)}\n`);
});

describe('calls', () => {
  it('the owner, a co-worker and a guest join one call and each receives the other two', async () => {
    // One person alone has no Call button: a call needs two.
    expect(await panel.$(`[data-session="${sessionId}"] [data-testid="call-button"]`)).toBeNull();

    kimPanel = watchErrors(
      await parties.coworker.openPanel({ width: 460, height: 720 }),
      'co-worker panel',
    );
    await kimPanel.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
      timeout: 20_000,
    });
    const coworkerUrl = await invite(panel, sessionId, 'coworker');
    await kimPanel.evaluate(async (url: string) => {
      await window.__tandem?.model.join(url, 'Kim');
    }, coworkerUrl);
    guest = watchErrors(
      await openGuest(parties.guestBrowser, await invite(panel, sessionId, 'viewer'), 'Gia'),
      'guest',
    );

    // The owner starts the call from the side panel; the call window asks for the devices.
    ownerCall = await callWindow(parties.owner, panel);
    await joinCall(ownerCall);
    await panel.waitForFunction(
      () =>
        document.querySelector('[data-testid="call-chip"]')?.textContent?.startsWith('1 on call'),
      { timeout: 10_000 },
    );

    // The co-worker sees the call going and joins it from their panel.
    await kimPanel.waitForFunction(
      () =>
        /^Join( call)?$/.test(
          document.querySelector('[data-testid="call-button"]')?.textContent ?? '',
        ),
      { timeout: 10_000 },
    );
    kimCall = await callWindow(parties.coworker, kimPanel);
    await joinCall(kimCall);

    // The guest, a viewer, may talk although it cannot type: the call opens in its page.
    await guest.click('[data-testid="call-button"]');
    await joinCall(guest);

    for (const page of [ownerCall, kimCall, guest]) {
      await liveTiles(page, 3);
      await mediaFlows(page, 2);
    }
    // Everyone's bar says so, and each caller's avatar carries the call mark.
    for (const page of [panel, kimPanel, guest]) {
      await page.waitForFunction(
        () =>
          document
            .querySelector('[data-testid="call-chip"]')
            ?.textContent?.startsWith('3 on call') &&
          document.querySelectorAll('[data-on-call="true"]').length === 3,
        { timeout: 10_000 },
      );
    }
    expect(
      await ownerCall.$eval('[data-testid="call-grid"]', (el) => el.getAttribute('data-layout')),
    ).toBe('2x2');
    // The fake microphone beeps: someone is highlighted as the active speaker from its level.
    await ownerCall.waitForFunction(() => window.__tandemCall?.tiles().some((t) => t.speaking), {
      timeout: 15_000,
      polling: 50,
    });
    await ownerCall.setViewport({ width: 960, height: 600 });
    await shot(ownerCall, 'window');
    await panel.setViewport({ width: 400, height: 640 });
    await shot(panel, 'panel-400');
    await panel.setViewport({ width: 460, height: 720 });
    await shot(guest, 'guest');
    // Tiles keep their 16:9 shape whatever the window's shape.
    for (const [width, height] of [
      [900, 600],
      [600, 900],
    ] as const) {
      await ownerCall.setViewport({ width, height });
      await ownerCall.waitForFunction(
        () => {
          const tile = document.querySelector('[data-testid="call-tile"]')?.getBoundingClientRect();
          return tile !== undefined && Math.abs(tile.width / tile.height - 16 / 9) < 0.05;
        },
        { timeout: 5000 },
      );
    }
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('the side panel mutes its call window; a shared screen reaches the others and its end from the browser is noticed', async () => {
    await panel.click(`[data-session="${sessionId}"] [data-testid="call-mute-bar"]`);
    await ownerCall.waitForFunction(() => window.__tandemCall?.tiles()[0]?.muted === true);
    await kimCall.waitForFunction(
      () => window.__tandemCall?.tiles().some((t) => !t.self && t.muted),
      { timeout: 10_000 },
    );
    await panel.click(`[data-session="${sessionId}"] [data-testid="call-mute-bar"]`);
    await kimCall.waitForFunction(() => window.__tandemCall?.tiles().every((t) => !t.muted), {
      timeout: 10_000,
    });

    await guest.click('[data-testid="call-share"]');
    for (const page of [ownerCall, kimCall]) {
      await page.waitForFunction(
        () =>
          document.querySelector('[data-testid="call-grid"]')?.getAttribute('data-layout') ===
            'screen' && window.__tandemCall?.tiles().some((t) => !t.self && t.screen),
        { timeout: 15_000 },
      );
      // The screen's frames arrive on the same connection as the camera's did.
      await mediaFlows(page, 2);
    }
    await shot(kimCall, 'screen-share');
    await guest.evaluate(() => window.__tandemCall?.endShareFromBrowser());
    for (const page of [ownerCall, kimCall]) {
      await page.waitForFunction(
        () =>
          document.querySelector('[data-testid="call-grid"]')?.getAttribute('data-layout') ===
          '2x2',
        { timeout: 15_000 },
      );
    }
  }, 120_000);

  it('a microphone switch carries on over the same connections, and the choice is remembered', async () => {
    const mics = await kimCall.evaluate(() => window.__tandemCall?.devices().mic ?? []);
    const next = mics.find((id) => id !== 'default' && id !== mics[0]) ?? mics[1];
    if (next === undefined) throw new Error(`one microphone only: ${JSON.stringify(mics)}`);
    const before = await kimCall.evaluate(() => window.__tandemCall?.sendingAudio() ?? []);
    const ownerBefore = await statsOf(ownerCall);
    await kimCall.click('[data-testid="call-devices-toggle"]');
    await kimCall.waitForSelector('[data-testid="call-mic"]');
    await kimCall.select('[data-testid="call-mic"]', next);
    await kimCall.waitForFunction(
      (was: string[]) => {
        const now = window.__tandemCall?.sendingAudio() ?? [];
        return now.length === 2 && now.join() !== was.join();
      },
      { timeout: 10_000 },
      before,
    );
    expect(await kimCall.evaluate(() => window.__tandemCall?.remembered())).toMatchObject({
      mic: next,
    });
    // The others keep hearing Kim, without a new connection.
    const after = await mediaFlows(ownerCall, 2);
    expect(after.map((s) => s.connectionId).sort()).toEqual(
      ownerBefore.map((s) => s.connectionId).sort(),
    );
  }, 60_000);

  it('a stranger’s media call is refused; a broken connection is retried and shown as reconnecting', async () => {
    const ownerPeer = await ownerCall.evaluate(() => window.__tandemCall?.peerId() ?? '');
    const stranger = watchErrors(await parties.guestBrowser.newPage(), 'stranger');
    // A page at the relay that never joined the session: it has the page's code, not a seat.
    await stranger.goto(guest.url().replace(/#.*$/, '#not.a.real.link'));
    const refusedBefore = await ownerCall.evaluate(() => window.__tandemCall?.refused() ?? 0);
    expect(
      await stranger.evaluate((id: string) => window.__tandemGuest?.probeCall(id), ownerPeer),
    ).toBe('refused');
    expect(await ownerCall.evaluate(() => window.__tandemCall?.refused() ?? 0)).toBe(
      refusedBefore + 1,
    );
    expect(await ownerCall.evaluate(() => window.__tandemCall?.tiles().length)).toBe(3);
    await stranger.close();

    const kimPeer = await kimCall.evaluate(() => window.__tandemCall?.peerId() ?? '');
    await ownerCall.evaluate((id: string) => window.__tandemCall?.breakConnection(id), kimPeer);
    await ownerCall.waitForFunction(
      () => window.__tandemCall?.tiles().some((t) => t.status === 'reconnecting'),
      { timeout: 5000, polling: 20 },
    );
    await liveTiles(ownerCall, 3);
    await mediaFlows(ownerCall, 2);
  }, 90_000);

  it('one leaves and the grid lays out again; ending the session ends the call for everyone', async () => {
    await guest.click('[data-testid="call-leave"]');
    for (const page of [ownerCall, kimCall]) {
      await liveTiles(page, 2);
      // Two side by side, or stacked in a window taller than wide.
      await page.waitForFunction(
        () =>
          /^(2x1|1x2)$/.test(
            document.querySelector('[data-testid="call-grid"]')?.getAttribute('data-layout') ?? '',
          ),
        { timeout: 10_000 },
      );
    }
    await panel.waitForFunction(
      () =>
        document.querySelector('[data-testid="call-chip"]')?.textContent?.startsWith('2 on call'),
      { timeout: 10_000 },
    );

    await panel.evaluate((id: string) => window.__tandem?.model.close(id), sessionId);
    for (const page of [ownerCall, kimCall]) {
      await page.waitForFunction(() => window.__tandemCall?.phase() === 'ended', {
        timeout: 15_000,
      });
    }
    expect(await kimCall.$eval('[data-testid="call-over"]', (el) => el.textContent)).toContain(
      'The session ended',
    );
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
