/** SSH (with the first-connect host key prompt) and serial consoles through the side panel. */
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    await typeInTerminal(page, '\n');
    await waitForText(page, 'router> ', { sessionId });
    await typeInTerminal(page, 'show version\n');
    await waitForText(page, 'Tandem Router OS, Version 15.2', { sessionId });
    expect(simulator.received).toContain('show version\r');
    const remembered = await page.evaluate(
      (p: string) => window.__tandem?.serialSettings(p),
      pair.pathA,
    );
    expect(remembered?.baudRate).toBe(115200);
  });
});
