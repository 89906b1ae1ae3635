/** SSH (with the first-connect host key prompt) and serial consoles through the side panel. */
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../e2e/replay-hook.js';
import {
  startSerialPair,
  startDeviceSimulator,
  type DeviceSimulator,
  type SerialPair,
} from '../fixtures/serial.js';
import { startSshd, type Sshd } from '../fixtures/sshd.js';
import {
  launchTandem,
  sessionIds,
  typeInTerminal,
  waitForNewSession,
  waitForText,
  type Tandem,
  dumpPanelOnFailure,
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

dumpPanelOnFailure(() => page);

async function newTerminal(kind: 'SSH' | 'Serial'): Promise<void> {
  if ((await sessionIds(page)).length > 0) await page.click('button.tab-new');
  await waitForText(page, 'Local shell');
  const tabs = await page.$$('[data-testid="new-terminal"] [role="tab"]');
  for (const tab of tabs) {
    if ((await tab.evaluate((el) => el.textContent)) === kind) await tab.click();
  }
}

async function fill(selector: string, value: string): Promise<void> {
  await page.click(selector, { count: 3 });
  await page.keyboard.press('Backspace');
  await page.type(selector, value);
}

describe('SSH', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd.stop();
  });

  it('asks to trust the host key on first connect, then runs a shell with password auth', async () => {
    await newTerminal('SSH');
    await fill('input[name="host"]', '127.0.0.1');
    await fill('input[name="port"]', String(sshd.port));
    await fill('input[name="username"]', sshd.user);
    await page.type('input[name="secret"]', sshd.password);
    const known = await sessionIds(page);
    await page.click('[data-testid="ssh-form"] button[type="submit"]');
    await page.waitForSelector('[data-testid="host-key-dialog"]', { timeout: 20_000 });
    const fingerprint = await page.$eval('.fingerprint', (el) => el.textContent ?? '');
    expect(fingerprint).toBe(sshd.hostKeyFingerprint);
    await page.click('[data-testid="host-key-dialog"] button.primary');
    const sessionId = await waitForNewSession(page, known);
    await waitForText(page, /[$#] ?$/, { sessionId });
    await typeInTerminal(page, 'echo ssh-$((40+2))\n');
    await waitForText(page, /^ssh-42$/m, { sessionId });
    // The profile is saved, the password is not.
    const profiles = await page.evaluate(() => window.__tandem?.sshProfiles());
    expect(profiles?.map((p) => p.name)).toContain(`${sshd.user}@127.0.0.1`);
    expect(JSON.stringify(profiles)).not.toContain(sshd.password);
  });

  it('says why when sshd restarts under the session, and reconnects in one click', async () => {
    // Signed in with a key (no secret to ask again); the host key is trusted from the test above.
    await page.evaluate(
      (port: number, keyPath: string) =>
        window.__tandem?.open({
          kind: 'ssh',
          host: '127.0.0.1',
          port,
          username: 'root',
          auth: { method: 'key', path: keyPath },
        }),
      sshd.port,
      sshd.clientKeyPath,
    );
    const sessionId = (await page.evaluate(() => window.__tandem?.activeId())) ?? '';
    await waitForText(page, /[$#] ?$/, { sessionId });
    await sshd.restart();
    await waitForText(page, /Session ended: connection to 127\.0\.0\.1 closed/);
    const known = await sessionIds(page);
    await page.click(`.pane[data-session="${sessionId}"] [data-testid="reconnect"]`);
    const again = await waitForNewSession(page, known);
    await waitForText(page, /[$#] ?$/, { sessionId: again });
    await typeInTerminal(page, 'echo back-$((40+2))\n');
    await waitForText(page, /^back-42$/m, { sessionId: again });
    // The dead tab made way for the new one.
    expect(await sessionIds(page)).not.toContain(sessionId);
  });

  it('blocks with a warning when the host key has changed', async () => {
    await sshd.rotateHostKey();
    await newTerminal('SSH');
    await fill('input[name="host"]', '127.0.0.1');
    await fill('input[name="port"]', String(sshd.port));
    await fill('input[name="username"]', sshd.user);
    await page.type('input[name="secret"]', sshd.password);
    await page.click('[data-testid="ssh-form"] button[type="submit"]');
    await page.waitForSelector('[data-testid="host-key-mismatch"]', { timeout: 20_000 });
    await waitForText(page, 'has changed');
    expect(await page.$('[data-testid="host-key-mismatch"] button.primary')).toBeNull();
  });
});

describe('serial', () => {
  let pair: SerialPair;
  let simulator: DeviceSimulator;
  beforeAll(async () => {
    pair = await startSerialPair();
    simulator = await startDeviceSimulator(pair.pathB);
  });
  afterAll(async () => {
    await simulator.close();
    await pair.kill();
  });

  let serialSession = '';

  it('opens a serial console and talks to the device', async () => {
    await newTerminal('Serial');
    await fill('input[name="path"]', pair.pathA);
    const chips = await page.$$('[aria-label="Baud rate"] button');
    for (const chip of chips) {
      if ((await chip.evaluate((el) => el.textContent)) === '115200') await chip.click();
    }
    const known = await sessionIds(page);
    await page.click('[data-testid="serial-form"] button[type="submit"]');
    const sessionId = await waitForNewSession(page, known);
    serialSession = sessionId;
    await typeInTerminal(page, '\n');
    await waitForText(page, 'router> ', { sessionId });
    await typeInTerminal(page, 'show version\n');
    await waitForText(page, 'Tandem Router OS, Version 15.2', { sessionId });
    expect(simulator.received).toContain('show version\r');
    // The status line names the port, not its folder; the whole path is its tooltip.
    const device = await page.$eval('[data-testid="statusline"] .device', (el) => ({
      text: el.textContent,
      title: el.getAttribute('title'),
    }));
    expect(device).toEqual({
      text: `${path.basename(pair.pathA)} 115200 8N1`,
      title: `${pair.pathA} 115200 8N1`,
    });
    const remembered = await page.evaluate(
      (p: string) => window.__tandem?.serialSettings(p),
      pair.pathA,
    );
    expect(remembered?.baudRate).toBe(115200);
  });

  it('a failing port list is a note of its own; "Port … is busy" stays until the user acts', async () => {
    // The agent lists ports from sysfs and no longer fails here; a failing list (no sysfs, no
    // permission) is made in the page, at the one call the form makes.
    await page.evaluate(() => {
      const client = window.__tandem?.model.client;
      if (client === undefined) throw new Error('no client');
      const request = client.request.bind(client);
      client.request = (type: string, ...rest: unknown[]) =>
        type === 'serial.list'
          ? Promise.reject(new Error('Could not list serial ports: EACCES — type the port’s path'))
          : request(type, ...rest);
    });
    await newTerminal('Serial');
    await waitForText(page, 'Could not list serial ports: EACCES');
    // Never left on "Looking for serial ports…" once the agent has answered, even with an error.
    await page.waitForFunction(
      () => !document.body.innerText.includes('Looking for serial ports'),
      { timeout: 5000 },
    );
    // The session from the test before holds the port: opening it again says it is busy.
    await fill('input[name="path"]', pair.pathA);
    await page.click('[data-testid="serial-form"] button[type="submit"]');
    await waitForText(page, `Port ${pair.pathA} is busy`);
    // The list keeps failing every 1.5 s; the busy message stays, beside the list's own note.
    await new Promise((r) => setTimeout(r, 4000));
    const text = await page.evaluate(() => document.body.innerText);
    expect(text).toContain(`Port ${pair.pathA} is busy`);
    expect(text).toContain('Could not list serial ports: EACCES');
    await page.reload();
    await page.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
      timeout: 20_000,
    });
  });

  it('an unplugged cable leaves a gap line in the terminal, the recording and the replay timeline', async () => {
    const sessionId = serialSession;
    await page.waitForFunction(
      (id: string) => window.__tandem?.sessions().some((s) => s.id === id),
      { timeout: 20_000 },
      sessionId,
    );
    await page.evaluate((id: string) => window.__tandem?.model.activate(id), sessionId);
    await pair.kill();
    await page.waitForFunction(
      (id: string) =>
        window.__tandem?.sessions().find((s) => s.id === id)?.state === 'disconnected',
      { timeout: 10_000 },
      sessionId,
    );
    await pair.restart();
    await simulator.restart();
    const gapLine = /^— cable unplugged \d\d:\d\d:\d\d, reconnected \d\d:\d\d:\d\d, \d+ s —$/m;
    await waitForText(page, gapLine, { sessionId, timeoutMs: 20_000 });
    await waitForText(page, `Serial port ${pair.pathA} reconnected`);
    await typeInTerminal(page, 'show version\n');
    await waitForText(page, /— cable unplugged[^]*Tandem Router OS/, { sessionId });
    // More than a screenful, so the replay has scrollback (and xterm a scrollbar).
    await typeInTerminal(page, 'flood 60\n');
    await waitForText(page, /flood 000060\/60/, { sessionId });
    // "Reconnected" is a moment's news: it clears itself (it stayed for good before).
    await page.waitForFunction(
      () =>
        ![...document.querySelectorAll('.session-note')].some((el) =>
          el.textContent.includes('reconnected'),
        ),
      { timeout: 20_000, polling: 200 },
    );

    // The replay: the same line where the live view had it, a gap on the timeline, and the
    // first frame on screen before Play.
    const recordingId = await page.evaluate(
      (id: string) =>
        window.__tandem?.model.sessions.find((s) => s.id === id)?.info.recordingId ?? '',
      sessionId,
    );
    expect(recordingId).not.toBe('');
    const replay = await tandem.browser.newPage();
    await replay.setViewport({ width: 900, height: 700 });
    await replay.goto(
      `chrome-extension://${tandem.extensionId}/replay.html?recording=${encodeURIComponent(recordingId)}`,
    );
    await replay.waitForFunction(() => window.__tandemReplay?.ready() === true, {
      timeout: 20_000,
    });
    const first = await replay.evaluate(() => window.__tandemReplay?.screen() ?? []);
    expect(first.join('\n').trim()).not.toBe('');
    expect(await replay.$eval('[data-testid="play"]', (el) => el.textContent)).toBe('Play');
    const gaps = await replay.$$eval('.marker.kind-gap', (els) =>
      els.map((el) => el.getAttribute('title') ?? ''),
    );
    expect(gaps).toHaveLength(2);
    expect(gaps[1]).toMatch(/cable unplugged \d\d:\d\d:\d\d, reconnected/);
    const duration = await replay.evaluate(() => window.__tandemReplay?.durationMs() ?? 0);
    const end = await replay.evaluate(
      (t: number) => window.__tandemReplay?.seek(t) ?? Promise.resolve([]),
      duration,
    );
    expect(end.join('\n')).toMatch(/flood 000060\/60/);
    const found = await replay.evaluate(
      () => window.__tandemReplay?.find('cable unplugged') ?? Promise.resolve([]),
    );
    expect(found.map((hit) => hit.snippet)).toEqual([expect.stringMatching(/cable unplugged/)]);
    await replay.screenshot({ path: path.join(os.tmpdir(), 'tandem-replay-gap.png') });
    const box = await replay.$eval('[data-testid="replay-terminal"]', (el) => {
      const r = el.getBoundingClientRect();
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    });
    await replay.mouse.move(box.x, box.y);
    await replay.mouse.wheel({ deltaY: -200 });
    await new Promise((r) => setTimeout(r, 150));
    await replay.screenshot({ path: path.join(os.tmpdir(), 'tandem-replay-wheel.png') });
    // No scrollbar block floats over the screen, even right after scrolling.
    const sliders = await replay.$$eval(
      '[data-testid="replay-terminal"] .slider',
      (els) =>
        els.filter((el) => {
          const r = el.getBoundingClientRect();
          const bar = el.parentElement;
          return (
            r.width > 0 &&
            r.height > 0 &&
            bar !== null &&
            getComputedStyle(bar).display !== 'none' &&
            Number(getComputedStyle(bar).opacity) > 0
          );
        }).length,
    );
    expect(sliders).toBe(0);
    await replay.close();
  });
});
