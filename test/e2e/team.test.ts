/**
 * The team relay from the browser: a real `tandem-relay` process, two Chromiums with the
 * extension and their own agents, and a third member over a plain socket. Enrolment from the
 * admin command to a named avatar, presence through the badge and popup (idle, a stopped
 * service worker, a relay restart), and a teammate joining a team-shared session from the popup.
 */
import type { Page, WebWorker } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Enrolment, RosterEntry } from '../../protocol/team.js';
import { PresenceClient, TeamRelayProcess } from '../fixtures/team-relay.js';
import { launchTandem, type Tandem } from './browser.js';
import { enrolInBrowser } from './team-helpers.js';

const WEBRTC_ARGS = [
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--allow-loopback-in-peer-connection',
];

interface WorkerGlobals {
  chrome: {
    action: {
      getPopup(details: object): Promise<string>;
      getBadgeBackgroundColor(details: object): Promise<number[]>;
      getBadgeText(details: object): Promise<string>;
    };
    notifications: { getAll(): Promise<Record<string, boolean>> };
  };
  __tandemTeam: { setIdle(state: string): void; openInvite(id: string): Promise<void> };
}

let relay: TeamRelayProcess;
let ada: Tandem;
let bob: Tandem | undefined;
let carol: Enrolment;
let carolSocket: PresenceClient;
let adaPanel: Page | undefined;
let bobPanel: Page | undefined;

async function serviceWorker(tandem: Tandem): Promise<WebWorker> {
  const target = await tandem.browser.waitForTarget(
    (t) => t.type() === 'service_worker' && t.url().includes(tandem.extensionId),
    { timeout: 10_000 },
  );
  const worker = await target.worker();
  if (worker === null) throw new Error('no service worker');
  // A worker just started may not have its extension APIs in the context puppeteer found yet.
  await expect
    .poll(() =>
      worker
        .evaluate(() => typeof (globalThis as { chrome?: { action?: unknown } }).chrome?.action)
        .catch(() => 'not yet'),
    )
    .toBe('object');
  return worker;
}

/** A member as Carol's latest roster has them. */
function rosterEntry(name: string): RosterEntry {
  for (const m of [...carolSocket.heard].reverse()) {
    if (m.type !== 'roster') continue;
    const found = m.members.find((x) => x.name === name);
    if (found !== undefined) return found;
  }
  throw new Error(`Carol has not heard of ${name}`);
}

const memberId = (name: string): string => rosterEntry(name).id;

async function seenBy(client: PresenceClient, name: string, state: string, ms = 5000) {
  await client.until(
    () => {
      try {
        return client.stateOf(memberId(name)) === state;
      } catch {
        return false;
      }
    },
    ms,
    `${name} ${state}`,
  );
}

beforeAll(async () => {
  relay = await TeamRelayProcess.start();
  await relay.setUp('Acme', ['Ops', 'Net']);
  carol = await relay.enrolMember('Carol', ['Ops']);
  carolSocket = (await PresenceClient.connect(relay.url, carol.token)).beatEvery(1000);
  ada = await launchTandem({ args: WEBRTC_ARGS });
});

afterAll(async () => {
  carolSocket.close();
  await bob?.close();
  await ada.close();
  await relay.close();
});

describe('team relay in the browser', () => {
  it('enrols from the admin link, then badge, popup and teammates follow presence', async () => {
    const worker = await serviceWorker(ada);
    expect(
      await worker.evaluate(() =>
        (globalThis as unknown as WorkerGlobals).chrome.action.getPopup({}),
      ),
    ).toBe('');

    await enrolInBrowser(relay, ada, 'Ada', 'Ops');
    await seenBy(carolSocket, 'Ada', 'online');
    expect(
      await worker.evaluate(() =>
        (globalThis as unknown as WorkerGlobals).chrome.action.getPopup({}),
      ),
    ).toMatch(/\/team\.html$/);
    await expect
      .poll(() =>
        worker.evaluate(() =>
          (globalThis as unknown as WorkerGlobals).chrome.action.getBadgeBackgroundColor({}),
        ),
      )
      .toEqual([26, 127, 55, 255]);

    const popup = await ada.browser.newPage();
    await popup.setViewport({ width: 360, height: 560 });
    await popup.goto(`chrome-extension://${ada.extensionId}/team.html`);
    await popup.locator('[data-member="Carol"] .team-online').wait();

    // Carol goes away: Ada's popup shows it within a second.
    const since = Date.now();
    carolSocket.send({ type: 'beat', state: 'away' });
    await popup.locator('[data-member="Carol"] .team-away').setTimeout(1000).wait();
    expect(Date.now() - since).toBeLessThan(1000);
    carolSocket.send({ type: 'beat', state: 'online' });

    // chrome.idle says idle, then active: Carol sees Ada away, then online.
    await worker.evaluate(() =>
      (globalThis as unknown as WorkerGlobals).__tandemTeam.setIdle('idle'),
    );
    await seenBy(carolSocket, 'Ada', 'away', 1000);
    await worker.evaluate(() =>
      (globalThis as unknown as WorkerGlobals).__tandemTeam.setIdle('active'),
    );
    await seenBy(carolSocket, 'Ada', 'online', 1000);

    // Chrome stops the service worker: Ada drops off; the popup wakes it and she is back.
    await worker.close();
    await seenBy(carolSocket, 'Ada', 'offline');
    await popup.reload();
    await seenBy(carolSocket, 'Ada', 'online', 10_000);

    // The relay restarts: the worker reconnects by itself.
    await relay.stop();
    await relay.serve();
    carolSocket.close();
    carolSocket = (await PresenceClient.connect(relay.url, carol.token)).beatEvery(1000);
    await carolSocket.until(() => carolSocket.heard.some((m) => m.type === 'roster'));
    await seenBy(carolSocket, 'Ada', 'online', 20_000);
    await popup.close();
  });

  it('a teammate joins a team-shared session from the popup, under their member name', async () => {
    bob = await launchTandem({ extensionDir: ada.extensionDir, args: WEBRTC_ARGS });
    await enrolInBrowser(relay, bob, 'Bob', 'Ops');
    await seenBy(carolSocket, 'Bob', 'online');

    // Ada opens a terminal and shares it with team Ops from her popup.
    adaPanel = await ada.openPanel();
    await adaPanel.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
      timeout: 20_000,
    });
    const sessionId = await adaPanel.evaluate(
      () => window.__tandem?.open({ kind: 'pty' }, 'core-router-1 console') ?? '',
    );
    const adaWorker = await serviceWorker(ada);
    const badgeText = () =>
      adaWorker.evaluate(() =>
        (globalThis as unknown as WorkerGlobals).chrome.action.getBadgeText({}),
      );
    await expect.poll(badgeText).toBe('REC');
    const adaPopup = await ada.browser.newPage();
    await adaPopup.goto(`chrome-extension://${ada.extensionId}/team.html`);
    const ops = relayTeamId('Ops');
    await adaPopup.locator('select[aria-label="Share with"]').wait();
    await adaPopup.select('select[aria-label="Share with"]', ops);
    await adaPopup.select('select[aria-label="Role"]', 'viewer');
    await adaPopup.locator('.team-share-button').click();
    await adaPopup.waitForFunction(() => document.body.innerText.includes('Sharing'));

    // Bob's popup shows Ada in that session; Join opens it in his panel as "Bob".
    bobPanel = await bob.openPanel();
    const bobPopup = await bob.browser.newPage();
    await bobPopup.goto(`chrome-extension://${bob.extensionId}/team.html`);
    await bobPopup.locator('[data-member="Ada"] button::-p-text(Join)').click();
    await bobPanel.waitForFunction(
      (id) => window.__tandem?.sessions().some((s) => s.id === id) === true,
      { timeout: 20_000 },
      sessionId,
    );
    await adaPanel.locator('.avatars [data-participant="Bob"][data-role="viewer"]').wait();
    await expect.poll(badgeText).toBe('LIVE');
    // Bob's agent-side identity came from his ticket: his member colour, not one by a guest id.
    const bobColor = rosterEntry('Bob').color;
    expect(
      await adaPanel.$eval(
        '.avatars [data-participant="Bob"]',
        (el) => getComputedStyle(el).backgroundColor,
      ),
    ).toBe(
      `rgb(${[1, 3, 5].map((i) => Number.parseInt(bobColor.slice(i, i + 2), 16)).join(', ')})`,
    );
    // Ada's agent shares through the team relay, under her member name.
    await bobPanel.locator('.avatars [data-participant="Ada"][data-role="owner"]').wait();
    const listed = await fetch(`${relay.url}/api/resources?kind=session`, {
      headers: { authorization: `Bearer ${carol.token}` },
    });
    const { resources } = (await listed.json()) as { resources: { data: { url: string } }[] };
    expect(resources[0]?.data.url.startsWith(`${relay.url}/join#`)).toBe(true);

    // Carol, in Ops too, sees the session on Ada's presence; a Net-only member would not.
    await carolSocket.until(() => carolSocket.changes().some((c) => c.session !== undefined));
  });

  it('invites one teammate to another session: a notification whose Join opens it', async () => {
    if (bob === undefined || adaPanel === undefined || bobPanel === undefined)
      throw new Error('the previous test did not run');
    const second = await adaPanel.evaluate(
      () => window.__tandem?.open({ kind: 'pty' }, 'switch-2 console') ?? '',
    );
    const popup = await ada.browser.newPage();
    await popup.goto(`chrome-extension://${ada.extensionId}/team.html`);
    await popup.locator(`select[aria-label="Session"] option[value="${second}"]`).wait();
    await popup.select('select[aria-label="Session"]', second);
    await popup.select('select[aria-label="Role"]', 'coworker');
    await popup.locator('[data-member="Bob"] button::-p-text(Invite)').click();

    const bobWorker = await serviceWorker(bob);
    const id = `invite:${memberId('Ada')}`;
    await expect
      .poll(() =>
        bobWorker.evaluate(() =>
          (globalThis as unknown as WorkerGlobals).chrome.notifications.getAll(),
        ),
      )
      .toHaveProperty([id]);
    // Chrome's notification has no test surface: its Join button calls this.
    await bobWorker.evaluate(
      (notification) =>
        (globalThis as unknown as WorkerGlobals).__tandemTeam.openInvite(notification),
      id,
    );
    // Join opens the side panel (here, with no window to hold one, a panel tab): one panel joins.
    await adaPanel.locator('.avatars [data-participant="Bob"][data-role="coworker"]').wait();
    const panelsWithIt = async (): Promise<number> => {
      const pages = await bob?.browser.pages();
      const has = await Promise.all(
        (pages ?? []).map((page) =>
          page
            .evaluate(
              (sid) => window.__tandem?.sessions().some((s) => s.id === sid) === true,
              second,
            )
            .catch(() => false),
        ),
      );
      return has.filter(Boolean).length;
    };
    // Ada sees Bob once he joins; his panel shows the session once it has attached.
    await expect.poll(panelsWithIt, { timeout: 20_000 }).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(await panelsWithIt()).toBe(1);
    await popup.close();
  });
});

function relayTeamId(name: string): string {
  const team = carol.teams.find((t) => t.name === name);
  if (team === undefined) throw new Error(`no team ${name}`);
  return team.id;
}
