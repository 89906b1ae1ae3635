/** The side panel in real Chromium with the real agent: local shell, reopen, agent crash. */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentPid, hostPids, runCli, waitForExit } from '../fixtures/agent.js';
import {
  launchTandem,
  openLocalShell,
  sessionIds,
  typeInTerminal,
  waitForText,
  type Tandem,
  dumpPanelOnFailure,
} from './browser.js';

let tandem: Tandem;
let page: Page | undefined;

beforeAll(async () => {
  tandem = await launchTandem();
});

afterAll(async () => {
  await tandem.close();
});

dumpPanelOnFailure(() => page);

describe('side panel', () => {
  it('runs a local shell: keystrokes in, output rendered, status line filled', async () => {
    page = await tandem.openPanel();
    await openLocalShell(page);
    await typeInTerminal(page, 'echo tandem-$((6*7))\n');
    await waitForText(page, /^tandem-42$/m, { terminal: true });
    const status = await page.$eval('[data-testid="statusline"]', (el) => el.textContent ?? '');
    expect(status).toMatch(/running/);
    expect(status).toMatch(/\d+×\d+/);
    expect(status).toMatch(/agent .* ms/);
  });

  it("streams over the agent's loopback socket: no native host process is left", async () => {
    page ??= await tandem.openPanel();
    // The native port started the agent and handed over a ticket; its host then exits.
    const deadline = Date.now() + 10_000;
    while (hostPids(tandem.agent.env).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(hostPids(tandem.agent.env)).toEqual([]);
    const log = fs.readFileSync(
      path.join(tandem.agent.env.XDG_STATE_HOME ?? '', 'tandem', 'agent.log'),
      'utf8',
    );
    expect(log).toMatch(/"event":"client.connected".*"via":"websocket"/);
    await typeInTerminal(page, 'echo socket-$((6*7))\n');
    await waitForText(page, /^socket-42$/m, { terminal: true });
  });

  it('reattaches with scrollback intact when the panel is closed and reopened mid-output', async () => {
    page ??= await tandem.openPanel();
    const [sessionId] = await sessionIds(page);
    expect(sessionId).toBeDefined();
    await typeInTerminal(
      page,
      'for i in $(seq 1 4000); do echo row-$i; [ $((i % 500)) = 0 ] && sleep 0.2; done; echo all-rows-done\n',
    );
    await waitForText(page, /^row-600$/m, { terminal: true });
    await page.close();
    page = await tandem.openPanel();
    await waitForText(page, /^all-rows-done$/m, { terminal: true, timeoutMs: 30_000 });
    expect(await sessionIds(page)).toEqual([sessionId]);
    const text = await page.evaluate(() => window.__tandem?.text() ?? '');
    const rows = [...text.matchAll(/^row-(\d+)$/gm)].map((m) => Number(m[1]));
    const expected = Array.from({ length: 4000 }, (_, i) => i + 1);
    // On failure, name the rows that went missing and show the lines around the first gap.
    const seen = new Set(rows);
    const missing = expected.filter((n) => !seen.has(n));
    const lines = text.split('\n');
    const near = lines.findIndex((line) => line === `row-${(missing[0] ?? 2) - 1}`);
    const why = `missing ${JSON.stringify(missing.slice(0, 20))}; around the first: ${JSON.stringify(
      lines.slice(Math.max(0, near - 2), near + 4),
    )}`;
    expect(rows.length, why).toBe(4000);
    expect(rows, why).toEqual(expected);
  });

  it('a tab closed here does not come back as a dead tab in a panel opened afterwards', async () => {
    page ??= await tandem.openPanel();
    const [kept] = await sessionIds(page);
    await page.click('button.tab-new');
    const closed = await openLocalShell(page);
    expect(await page.evaluate(() => window.__tandem?.activeId())).toBe(closed);
    await page.click('.tab.active button.tab-close');
    await page.waitForFunction(
      (id: string) => window.__tandem?.sessions().every((s) => s.id !== id) === true,
      {},
      closed,
    );
    // The agent still lists the ended session for a minute (for views that had it).
    const fresh = await tandem.openPanel();
    try {
      await waitForText(fresh, /\d+×\d+/);
      await fresh.waitForFunction(
        (id: string) => window.__tandem?.sessions().some((s) => s.id === id) === true,
        { timeout: 20_000 },
        kept ?? '',
      );
      await new Promise((r) => setTimeout(r, 500));
      expect(await sessionIds(fresh)).toEqual([kept]);
    } finally {
      // A second panel left open would change what the next tests see.
      await fresh.close();
    }
  });

  it('tells the user when the agent dies and recovers when it is back', async () => {
    page ??= await tandem.openPanel();
    const pid = agentPid(tandem.agent.env);
    expect(pid).toBeDefined();
    if (pid === undefined) return;
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 5000);
    // The background reconnects; the host shim starts a fresh agent; the old shell is gone.
    await waitForText(page, /ended while the agent was away|Agent connection lost/);
    await waitForText(page, /ended while the agent was away/, { timeoutMs: 20_000 });
    await page.waitForFunction(() => window.__tandem?.linkState() === 'connected');
    expect(agentPid(tandem.agent.env)).not.toBe(pid);
    await page.click('button.tab-new');
    await openLocalShell(page);
    await typeInTerminal(page, 'echo back-$((2+3))\n');
    await waitForText(page, /^back-5$/m, { terminal: true });
  });

  it('shows the exact install command when the agent is not registered', async () => {
    page ??= await tandem.openPanel();
    const manifests = path.join(tandem.userDataDir, 'NativeMessagingHosts');
    fs.rmSync(manifests, { recursive: true, force: true });
    await runCli(tandem.agent.env, ['stop']);
    await waitForText(page, 'The Tandem agent is not installed', { timeoutMs: 20_000 });
    const command = await page.$eval(
      '[data-testid="agent-missing"] pre',
      (el) => el.textContent ?? '',
    );
    expect(command).toMatch(/npx tandem-agent register$/);
    const result = await runCli(tandem.agent.env, [
      'register',
      '--user-data-dir',
      tandem.userDataDir,
    ]);
    expect(result.code).toBe(0);
    // The panel also retries by itself, and may leave this screen between finding the button
    // and clicking it: click Retry only while it is there.
    await page.evaluate(() =>
      document
        .querySelector<HTMLButtonElement>('[data-testid="agent-missing"] button.primary')
        ?.click(),
    );
    await page.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
      timeout: 15_000,
    });
  });
});
