/**
 * Shared sessions with real parts only: the agent and its embedded relay (a real PeerServer) on
 * loopback, the owner's side panel in Chromium, a co-worker's second Chromium with the extension
 * (joining by pasted link), and a guest in a plain Chromium page at the invite URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  launchTandem,
  typeInTerminal,
  visibleText,
  waitForText,
  type Tandem,
} from './browser.js';
import { agentPid, childRunning } from '../fixtures/agent.js';

/** Headless Chromium hides local ICE candidates behind mDNS names, which loopback cannot resolve. */
const WEBRTC_ARGS = [
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--allow-loopback-in-peer-connection',
];

let owner: Tandem;
let coworker: Tandem | undefined;
let guestBrowser: Browser;
let panel: Page;
let guest: Page | undefined;
let sessionId: string;
let kimPanel: Page | undefined;

beforeAll(async () => {
  owner = await launchTandem({ serveGuestPage: true, args: WEBRTC_ARGS });
  guestBrowser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    pipe: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', ...WEBRTC_ARGS],
  });
  panel = await owner.openPanel({ width: 1400, height: 900 });
  await panel.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
    timeout: 20_000,
  });
  sessionId = await panel.evaluate(async () => {
    const hook = window.__tandem;
    if (hook === undefined) throw new Error('no hook');
    return hook.open({ kind: 'pty' }, 'Shared shell');
  });
  // The owner's view holds the device at 120×40 (scaled to the panel), whatever the panel size.
  await panel.evaluate((id: string) => {
    window.__tandem?.model.sessions.find((s) => s.id === id)?.pin({ cols: 120, rows: 40 });
  }, sessionId);
  await waitForText(panel, /[$#] ?$/, { sessionId });
});

afterAll(async () => {
  await guestBrowser.close().catch(() => undefined);
  await coworker?.close();
  await owner.close();
});

afterEach(async (context) => {
  if (context.task.result?.state !== 'fail') return;
  process.stderr.write(
    `\n--- owner panel after "${context.task.name}" ---\n${await visibleText(panel)}\n`,
  );
  if (guest !== undefined) {
    const text = await guest.evaluate(
      () => `${document.body.innerText}\n--- terminal ---\n${window.__tandemGuest?.text() ?? ''}`,
    );
    process.stderr.write(`--- guest page ---\n${text}\n`);
  }
});

/** Makes an invite link from the session's Share dialog, as the owner does. */
async function createInvite(role: 'viewer' | 'coworker'): Promise<string> {
  if ((await panel.$('[data-testid="share-dialog"]')) === null)
    await panel.click(`[data-session="${sessionId}"] [data-testid="share-button"]`);
  await panel.waitForSelector('[data-testid="invite-role"]');
  const before = (await panel.$$('[data-testid="invite-url"]')).length;
  await panel.select('[data-testid="invite-role"]', role);
  await panel.click('[data-testid="create-invite"]');
  await panel.waitForFunction(
    (n: number) => document.querySelectorAll('[data-testid="invite-url"]').length > n,
    {},
    before,
  );
  const urls = await panel.$$eval('[data-testid="invite-url"]', (els) =>
    els.map((el) => (el instanceof HTMLInputElement ? el.value : '')),
  );
  const url = urls.at(-1) ?? '';
  expect(url).toMatch(
    /^http:\/\/127\.0\.0\.1:\d+\/join#tandem-[0-9a-f]{32}\.[^.]+\.[^.]+\.[\w-]{43}$/,
  );
  return url;
}

/** What Chromium reported the guest pages' Content-Security-Policy blocked: must stay empty. */
const cspViolations: string[] = [];
/**
 * Uncaught errors on guest pages: must stay empty. (A guest page once loaded
 * webextension-polyfill through a shared chunk; it throws outside an extension, and the page
 * died before drawing its form.)
 */
const guestPageErrors: string[] = [];

async function openGuest(url: string, name: string): Promise<Page> {
  const page = await guestBrowser.newPage();
  await page.setViewport({ width: 640, height: 420 });
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
  });
  const crashed = new Promise<never>((_resolve, reject) => {
    page.on('pageerror', (error) => {
      guestPageErrors.push(String(error));
      reject(new Error(`the guest page threw: ${String(error)}`));
    });
  });
  crashed.catch(() => undefined);
  const response = await page.goto(url);
  // The relay serves the page under a strict policy, and the page works within it.
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  await Promise.race([page.waitForSelector('input[name="name"]'), crashed]);
  await page.type('input[name="name"]', name);
  await page.click('button[type="submit"]');
  return page;
}

async function guestText(page: Page, test: RegExp, timeout = 15_000): Promise<void> {
  await page.waitForFunction(
    (src: string, flags: string) =>
      new RegExp(src, flags).test(
        `${document.body.innerText}\n${window.__tandemGuest?.text() ?? ''}`,
      ),
    { timeout, polling: 50 },
    test.source,
    test.flags,
  );
}

async function ownerTypes(text: string): Promise<void> {
  await typeInTerminal(panel, text);
}

describe('shared sessions', () => {
  it('a guest page joins as a viewer, sees output, cannot type, and is fitted without resizing', async () => {
    const url = await createInvite('viewer');
    guest = await openGuest(url, 'Gia');
    await guest.waitForFunction(() => window.__tandemGuest?.state() === 'running', {
      timeout: 20_000,
    });
    await ownerTypes('echo shared-$((6*7))\n');
    await guestText(guest, /^shared-42$/m);
    expect(cspViolations).toEqual([]);
    expect(guestPageErrors).toEqual([]);
    expect(await guest.$eval('[data-testid="read-only"]', (el) => el.textContent)).toMatch(
      /Read-only/,
    );
    // The owner sees the guest's avatar, as a viewer.
    await panel.waitForSelector('[data-participant="Gia"][data-role="viewer"]');
    // The Share dialog, still open, counts her in on the link she used (it said "0 joined").
    await panel.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-testid="share-dialog"] li[data-invite]')]
          .at(-1)
          ?.textContent.includes('1 joined') === true,
      { timeout: 10_000 },
    );

    // Keystrokes in the guest's terminal go nowhere.
    await guest.focus('.xterm-helper-textarea');
    await guest.keyboard.type('echo guest-was-here\n');
    await new Promise((r) => setTimeout(r, 800));
    const ownerText = await panel.evaluate(
      (id: string) => window.__tandem?.text(id) ?? '',
      sessionId,
    );
    expect(ownerText).not.toContain('guest-was-here');

    // The viewer shows the owner's 120×40, scaled to its 640×420 page; the device keeps it.
    const view = await guest.evaluate(() => window.__tandemGuest?.view());
    expect(view).toMatchObject({ cols: 120, rows: 40 });
    expect(view?.scale).toBeLessThan(1);
    await ownerTypes('stty size\n');
    await waitForText(panel, /^40 120$/m, { sessionId });
    await guestText(guest, /^40 120$/m);

    // The guest sees the recording state, and the banner when the owner pauses it.
    await guest.waitForSelector('[data-testid="recording-bar"][data-state="on"]');
    await panel.click(`.pane[data-session="${sessionId}"] [data-testid="recording-toggle"]`);
    await guest.waitForSelector('[data-testid="recording-bar"][data-state="paused"]');
    await guest.waitForSelector('[data-testid="recording-banner"]');
    await panel.click(`.pane[data-session="${sessionId}"] [data-testid="recording-toggle"]`);
    await guest.waitForSelector('[data-testid="recording-bar"][data-state="on"]');
  });

  it('the guest page re-joins by itself when the WebRTC process of the agent dies, and misses nothing', async () => {
    const page = guest;
    if (page === undefined) throw new Error('no guest');
    const agent = agentPid(owner.agent.env);
    const peerProcess = agent === undefined ? undefined : childRunning(agent, 'peer-process');
    if (peerProcess === undefined) throw new Error('no peer process');
    process.kill(peerProcess, 'SIGKILL');
    // The owner's terminal never notices; output typed now reaches the guest once it is back.
    await ownerTypes('echo back-$((6*7))\n');
    await waitForText(panel, /^back-42$/m, { sessionId });
    await guestText(page, /^back-42$/m, 10_000);
    const text = await page.evaluate(() => window.__tandemGuest?.text() ?? '');
    expect(text.match(/^shared-42$/gm)).toHaveLength(1);
    expect(text.match(/^back-42$/gm)).toHaveLength(1);
    expect(await page.evaluate(() => window.__tandemGuest?.role())).toBe('viewer');
    const log = fs.readFileSync(
      path.join(owner.agent.env.XDG_STATE_HOME ?? '', 'tandem/agent.log'),
      'utf8',
    );
    expect(log).toMatch(/"event":"peer\.crashed"/);
  });

  it('the guest page notices a frozen agent within 3 s and is back within 5 s of its return, missing nothing', async () => {
    const page = guest;
    if (page === undefined) throw new Error('no guest');
    const agent = agentPid(owner.agent.env);
    if (agent === undefined) throw new Error('no agent');
    await ownerTypes('echo before-freeze-$((6*7))\n');
    await guestText(page, /^before-freeze-42$/m);
    // A frozen agent keeps its data channels "open" (ICE waits ~30 s); only its pings stop.
    process.kill(agent, 'SIGSTOP');
    const frozenAt = Date.now();
    try {
      await page.waitForFunction(() => window.__tandemGuest?.link() === 'reconnecting', {
        timeout: 3000,
        polling: 50,
      });
    } finally {
      if (Date.now() - frozenAt < 4000)
        await new Promise((r) => setTimeout(r, 4000 - (Date.now() - frozenAt)));
      process.kill(agent, 'SIGCONT');
    }
    const backAt = Date.now();
    await page.waitForFunction(() => window.__tandemGuest?.link() === 'joined', {
      timeout: 5000,
      polling: 50,
    });
    const rejoinMs = Date.now() - backAt;
    await ownerTypes('echo after-freeze-$((6*7))\n');
    await waitForText(panel, /^after-freeze-42$/m, { sessionId });
    await guestText(page, /^after-freeze-42$/m, 5000);
    const text = await page.evaluate(() => window.__tandemGuest?.text() ?? '');
    expect(text.match(/^before-freeze-42$/gm)).toHaveLength(1);
    expect(text.match(/^after-freeze-42$/gm)).toHaveLength(1);
    process.stderr.write(`heartbeat: re-joined ${rejoinMs} ms after the agent came back\n`);
  });

  it('a viewer asks in the chat and requests the keyboard; the owner is asked and can decline', async () => {
    const page = guest;
    if (page === undefined) throw new Error('no guest');
    await page.click('[data-testid="chat-button"]');
    await page.type('[data-testid="chat-input"]', 'which host is this?');
    await page.keyboard.press('Enter');
    await waitForText(panel, /Chat \(1\)/);
    await panel.click(`[data-session="${sessionId}"] [data-testid="chat-button"]`);
    await waitForText(panel, /Gia\s*which host is this\?/);

    const [request] = await page.$$('xpath/.//button[contains(., "Request keyboard")]');
    if (request === undefined) throw new Error('no request button');
    await request.click();
    await waitForText(panel, 'Gia asks for the keyboard');
    const [decline] = await panel.$$(
      'xpath/.//div[contains(@class,"ask")]/button[contains(., "Decline")]',
    );
    if (decline === undefined) throw new Error('no decline button');
    await decline.click();
    await panel.waitForFunction(
      () => !document.body.innerText.includes('Gia asks for the keyboard'),
    );
    expect(await page.evaluate(() => window.__tandemGuest?.role())).toBe('viewer');
  });

  it('a co-worker in a second extension joins by pasted link and types; the owner sees who is typing', async () => {
    const url = await createInvite('coworker');
    coworker = await launchTandem({ extensionDir: owner.extensionDir, args: WEBRTC_ARGS });
    const page = await coworker.openPanel({ width: 900, height: 700 });
    kimPanel = page;
    await waitForText(page, 'Open local shell', { timeoutMs: 20_000 });
    await page.click('[data-testid="new-terminal"] .segmented button:nth-child(4)');
    await page.type('[data-testid="join-form"] input[name="invite"]', url);
    await page.type('[data-testid="join-form"] input[name="name"]', 'Kim');
    await page.click('[data-testid="join-form"] button[type="submit"]');
    await page.waitForFunction(
      (id: string) => window.__tandem?.sessions().some((s) => s.id === id && s.state === 'running'),
      { timeout: 20_000 },
      sessionId,
    );
    await waitForText(page, /40 120/, { sessionId });
    await page.focus(`[data-session="${sessionId}"] .xterm-helper-textarea`);
    // "Kim is typing" lasts 1.5 s after the last key: watch for it from the first key on, so a
    // slow echo on a busy machine cannot make it come and go unseen.
    const typingShown = panel.waitForFunction(
      () =>
        document.querySelector('[data-testid="typing"]')?.textContent?.includes('Kim is typing'),
      { timeout: 15_000, polling: 20 },
    );
    await page.keyboard.type('echo from-kim-$((2+2))\n');
    await typingShown;
    await waitForText(panel, /^from-kim-4$/m, { sessionId });
  });

  it('the owner promotes the guest from the avatar menu, and then the guest can type', async () => {
    const page = guest;
    if (page === undefined) throw new Error('no guest');
    await panel.click('[data-participant="Gia"]', { button: 'right' });
    await panel.waitForSelector('[data-testid="avatar-menu"]');
    const [promote] = await panel.$$('xpath/.//button[contains(., "Promote to co-worker")]');
    if (promote === undefined) throw new Error('no promote item');
    await promote.click();
    await page.waitForFunction(() => window.__tandemGuest?.role() === 'coworker', {
      timeout: 10_000,
    });
    await page.waitForFunction(() => document.querySelector('[data-testid="read-only"]') === null);
    await page.focus('.xterm-helper-textarea');
    await page.keyboard.type('echo guest-typed-$((3*3))\n');
    await waitForText(panel, /^guest-typed-9$/m, { sessionId });
  });

  it('a guest page refuses a link whose key fingerprint is not the agent’s, and says so before anything is sent', async () => {
    const url = await createInvite('viewer');
    // The same relay, agent, invite and secret; only the key the agent must prove differs.
    const forged = url.replace(/\.[\w-]{43}$/, `.${'A'.repeat(43)}`);
    expect(forged).not.toBe(url);
    const page = await openGuest(forged, 'Mallory');
    await guestText(
      page,
      /Could not join: This link does not lead to the agent that created it — do not enter anything; ask the owner for a new link/,
    );
    // The join, and with it the invite secret, never went out: the agent never heard of Mallory.
    await new Promise((r) => setTimeout(r, 500));
    expect(await panel.$('[data-participant="Mallory"]')).toBeNull();
    await page.close();
  });

  it('a revoked link is refused, and ending the session tells the guest', async () => {
    const url = await createInvite('viewer');
    const [revoke] = (await panel.$$('[data-testid="revoke-invite"]')).slice(-1);
    if (revoke === undefined) throw new Error('no revoke button');
    await revoke.click();
    const refused = await openGuest(url, 'Late');
    // The refusal comes after a whole WebRTC connection and the agent's proof, which took over
    // 15 s once on a busy CI machine: the wait is for the words, not a speed test.
    await guestText(
      refused,
      /Could not join: This invite link is not valid: it was revoked/,
      30_000,
    ).catch(async (error: unknown) => {
      const text = await refused.evaluate(() => document.body.innerText).catch(String);
      throw new Error(`${String(error)}\n--- the refused guest page ---\n${text}`);
    });
    await refused.close();

    const page = guest;
    if (page === undefined) throw new Error('no guest');
    // Closing the tab of a shared session asks first: it ends the session for everyone.
    await panel.click('button[aria-label="Close Shared shell"]');
    await panel.waitForSelector('[data-testid="confirm-end"]');
    expect(await panel.$eval('[data-testid="confirm-end"]', (el) => el.textContent)).toMatch(
      /^3 people are in this session\./,
    );
    await panel.click('[data-testid="keep-session"]');
    await panel.waitForFunction(
      () => document.querySelector('[data-testid="confirm-end"]') === null,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await page.evaluate(() => window.__tandemGuest?.state())).toBe('running');
    await panel.click('button[aria-label="Close Shared shell"]');
    await panel.click('[data-testid="confirm-end-session"]');
    // Everyone is told the owner ended it, not that a device closed.
    await guestText(page, /Session ended: The owner ended the session/);
    if (kimPanel !== undefined) {
      await waitForText(kimPanel, 'Session ended: The owner ended the session');
    }
    // A panel opened now does not bring the ended session back as a dead tab.
    const fresh = await owner.openPanel({ width: 500, height: 700 });
    await fresh.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
      timeout: 20_000,
    });
    await waitForText(fresh, 'Open local shell');
    expect(await fresh.evaluate(() => window.__tandem?.sessions().map((s) => s.id))).not.toContain(
      sessionId,
    );
    await fresh.close();
  });
});
