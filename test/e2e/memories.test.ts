/**
 * Memories with real devices: a socat serial pair unplugged and plugged back, and a real sshd
 * reached under two names, then with a new host key under the old name. The side panel is a
 * real Chromium page at panel width; the Copilot that gets the memories is the agent's.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchTandem, visibleText, waitForText, type Tandem } from './browser.js';
import { startSerialPair, type SerialPair } from '../fixtures/serial.js';
import { startSshd, type Sshd } from '../fixtures/sshd.js';

let tandem: Tandem;
let panel: Page;
let pair: SerialPair;
let sshd: Sshd;

beforeAll(async () => {
  [tandem, pair, sshd] = await Promise.all([launchTandem(), startSerialPair(), startSshd()]);
  panel = await tandem.openPanel({ width: 420, height: 760 });
  await panel.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
    timeout: 20_000,
  });
});

afterAll(async () => {
  await tandem?.close();
  await pair?.kill();
  await sshd?.stop();
});

afterEach(async (context) => {
  if (context.task.result?.state !== 'fail') return;
  process.stderr.write(`\n--- panel ---\n${await visibleText(panel)}\n`);
});

async function open(device: Record<string, unknown> & { kind: string }): Promise<string> {
  const id = await panel.evaluate(
    async (spec) => (await window.__tandem?.open(spec)) ?? '',
    device,
  );
  // The agent has said what the device is, and its memories are read.
  await panel.waitForFunction(
    (sid: string) =>
      window.__tandem?.model.sessions.find((s) => s.id === sid)?.memories?.target !== undefined,
    { timeout: 15_000 },
    id,
  );
  await new Promise((r) => setTimeout(r, 300));
  return id;
}

const pane = (id: string): string => `.pane[data-session="${id}"]`;

async function shownMemories(id: string): Promise<string[]> {
  return panel.$$eval(`${pane(id)} [data-testid="memory"] .memory-text`, (els) =>
    els.map((el) => el.textContent ?? ''),
  );
}

/** Opens the memory form the way a user does: the terminal's menu. */
async function openForm(id: string): Promise<void> {
  await panel.click(`${pane(id)} .term`, { button: 'right' });
  const [item] = await panel.$$(
    'xpath/.//ul[contains(@class,"menu")]//button[.="Save as memory…"]',
  );
  if (item === undefined) throw new Error('no "Save as memory…" in the terminal menu');
  await item.click();
  await panel.waitForSelector(`${pane(id)} [data-testid="memory-form"] textarea`);
}

async function formClosed(id: string): Promise<void> {
  await panel.waitForFunction(
    (sel: string) => document.querySelector(sel) === null,
    {},
    `${pane(id)} [data-testid="memory-form"]`,
  );
}

/** Saves a memory the way a user does: the terminal's menu, then the form. */
async function remember(id: string, text: string): Promise<void> {
  await openForm(id);
  await panel.type(`${pane(id)} [data-testid="memory-text"]`, text);
  // Ctrl+Enter saves from the text box, as a user in a hurry does.
  await panel.keyboard.down('Control');
  await panel.keyboard.press('Enter');
  await panel.keyboard.up('Control');
  await formClosed(id);
}

/** Chooses "the system" in the open form and names it. */
async function aboutSystem(id: string, name: string): Promise<void> {
  await panel.click(`${pane(id)} [data-testid="memory-about-system"]`);
  await panel.type(`${pane(id)} [data-testid="memory-system-name"]`, name);
}

async function close(id: string): Promise<void> {
  await panel.evaluate((sid: string) => window.__tandem?.model.close(sid), id);
}

/** The agent's handoff note for the session: the Copilot's use of the memories shown. */
async function handoff(id: string): Promise<string> {
  const reply = (await panel.evaluate(
    (sid: string) =>
      window.__tandem?.model.client.request('copilot.ask', { sessionId: sid, action: 'handoff' }),
    id,
  )) as { entry: { markdown: string } };
  return reply.entry.markdown;
}

describe('memories', () => {
  it('come back when the same serial device returns, and the Copilot uses those not dismissed', async () => {
    const serial = { kind: 'serial', path: pair.pathB, baudRate: 115200 };
    const first = await open(serial);
    expect(await shownMemories(first)).toEqual([]);
    await remember(first, 'Console drops characters above 9600 baud');
    // Saved here, so shown here at once.
    await panel.waitForSelector(`${pane(first)} [data-testid="memory"]`);
    await close(first);

    // Unplugged and plugged back: the same device at the same path.
    await pair.kill();
    await pair.restart();
    const again = await open(serial);
    expect(await shownMemories(again)).toEqual(['Console drops characters above 9600 baud']);
    await expect
      .poll(() => handoff(again), { timeout: 5_000 })
      .toContain('**Remembered about this device:**\n- Console drops characters above 9600 baud');

    // Dismissed: gone from this session's panel and from what the Copilot is given.
    await panel.click(`${pane(again)} [aria-label="Dismiss this memory in this session"]`);
    await panel.waitForFunction(
      (sel: string) => document.querySelector(sel) === null,
      {},
      `${pane(again)} [data-testid="memories"]`,
    );
    await expect.poll(() => handoff(again), { timeout: 5_000 }).not.toContain('Remembered');
    await close(again);
  });

  it('follow an SSH server’s host key: kept under another name, not inherited by another key under the same name', async () => {
    const ssh = (
      host: string,
      acceptHostKey: string,
    ): Record<string, unknown> & { kind: string } => ({
      kind: 'ssh',
      host,
      port: sshd.port,
      username: 'root',
      auth: { method: 'key', path: sshd.clientKeyPath },
      acceptHostKey,
    });
    const first = await open(ssh('127.0.0.1', sshd.hostKeyFingerprint));
    await waitForText(panel, /[$#] ?$/, { sessionId: first });
    await remember(first, 'db1: replica lag alarms are noise before 02:00');
    await close(first);

    // The same server reached by another name.
    const renamed = await open(ssh('localhost', sshd.hostKeyFingerprint));
    expect(await shownMemories(renamed)).toEqual([
      'db1: replica lag alarms are noise before 02:00',
    ]);
    await close(renamed);

    // Another machine (a new host key) answering to the old name, trusted anew the way a user
    // would after `ssh-keygen -R`: no memories carried over.
    await sshd.rotateHostKey();
    const knownHosts = path.join(tandem.agent.env.XDG_CONFIG_HOME ?? '', 'tandem', 'known_hosts');
    fs.writeFileSync(knownHosts, '');
    const other = await open(ssh('127.0.0.1', sshd.hostKeyFingerprint));
    expect(await shownMemories(other)).toEqual([]);
    expect(
      await panel.evaluate(
        (sid: string) =>
          window.__tandem?.model.sessions.find((s) => s.id === sid)?.memories?.memories.length,
        other,
      ),
    ).toBe(0);
    await close(other);
  });

  it('are listed in the library: searched, edited and deleted', async () => {
    const page = await tandem.browser.newPage();
    await page.setViewport({ width: 900, height: 800 });
    await page.goto(`chrome-extension://${tandem.extensionId}/recordings.html`);
    await page.waitForSelector('[data-testid="memory-list"] li[data-memory]');
    expect(await page.$$('[data-testid="memory-list"] li[data-memory]')).toHaveLength(2);
    await page.type('[data-testid="memory-search"]', 'replica lag');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="memory-list"] li[data-memory]').length === 1,
    );
    const row = '[data-testid="memory-list"] li[data-memory]';
    const [edit] = await page.$$(`xpath/.//li[@data-memory]//button[.="Edit"]`);
    await edit?.click();
    await page.click(`${row} textarea`, { clickCount: 3 });
    await page.keyboard.press('Backspace');
    await page.type(`${row} textarea`, 'db1: replica lag alarms are noise before 03:00');
    const [save] = await page.$$(`xpath/.//li[@data-memory]//button[.="Save"]`);
    await save?.click();
    await page.waitForFunction(
      (sel: string) => document.querySelector(sel)?.textContent?.includes('03:00') === true,
      {},
      `${row} .memory-text`,
    );
    const [del] = await page.$$(`xpath/.//li[@data-memory]//button[.="Delete"]`);
    await del?.click();
    await page.click(`${row} [data-action="confirm-delete"]`);
    await page.click('[data-testid="memory-search"]', { clickCount: 3 });
    await page.keyboard.press('Backspace');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="memory-list"] li[data-memory]').length === 1,
    );
    expect(await page.$eval('[data-testid="memory-list"]', (el) => el.textContent ?? '')).toContain(
      'Console drops characters',
    );
    await page.close();
  });

  it('of a named system show on every device linked to it, and nowhere else', async () => {
    const serial = await open({ kind: 'serial', path: pair.pathB, baudRate: 115200 });
    await openForm(serial);
    await aboutSystem(serial, 'Lab Core');
    await panel.type(`${pane(serial)} [data-testid="memory-text"]`, 'Lab Core: fans run loud');
    await panel.click(`${pane(serial)} [data-testid="memory-save"]`);
    await formClosed(serial);
    await expect.poll(() => shownMemories(serial)).toContain('Lab Core: fans run loud');
    expect(
      await panel.$eval(`${pane(serial)} [data-testid="memory-system"]`, (el) => el.textContent),
    ).toContain('Part of Lab Core');

    // Another device: not part of the system, so none of its memories.
    const ssh = await open({
      kind: 'ssh',
      host: '127.0.0.1',
      port: sshd.port,
      username: 'root',
      auth: { method: 'key', path: sshd.clientKeyPath },
      acceptHostKey: sshd.hostKeyFingerprint,
    });
    expect(await shownMemories(ssh)).not.toContain('Lab Core: fans run loud');
    // Linked under the same name in another case, without a memory: the system's show here.
    await openForm(ssh);
    await aboutSystem(ssh, 'lab core');
    await panel.click(`${pane(ssh)} [data-testid="memory-link"]`);
    await formClosed(ssh);
    await expect.poll(() => shownMemories(ssh)).toContain('Lab Core: fans run loud');
    expect(
      await panel.$eval(`${pane(ssh)} [data-testid="memory-system"]`, (el) => el.textContent),
    ).toContain('Part of Lab Core');
    await expect
      .poll(() => handoff(ssh), { timeout: 5_000 })
      .toContain('- (Lab Core) Lab Core: fans run loud');

    // A third device, never linked, sees nothing of it.
    const shell = await open({ kind: 'pty' });
    expect(await shownMemories(shell)).not.toContain('Lab Core: fans run loud');
    await close(shell);

    // Unlinked: the SSH server no longer shows them; the serial device still does.
    await panel.evaluate((sid: string) => window.__tandem?.model.activate(sid), ssh);
    await panel.click(`${pane(ssh)} [data-testid="memory-unlink"]`);
    await expect.poll(() => shownMemories(ssh)).not.toContain('Lab Core: fans run loud');
    expect(await panel.$(`${pane(ssh)} [data-testid="memory-system"]`)).toBeNull();
    expect(await shownMemories(serial)).toContain('Lab Core: fans run loud');
    await close(ssh);
    await close(serial);
  });
});
