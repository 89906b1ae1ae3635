/**
 * Faults a user meets, with real processes: the agent killed mid-flood, the native host killed
 * and the service worker stopped, the browser quit and started again. Output is a numbered
 * flood, so "nothing lost" is checked line by line: every row once, in order.
 */
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../../native-host/client.js';
import { agentPid, hostPids, waitForExit } from '../fixtures/agent.js';
import { events, readAll } from '../fixtures/recordings.js';
import {
  dumpPanelOnFailure,
  launchTandem,
  openLocalShell,
  typeInTerminal,
  waitForText,
  type Tandem,
} from './browser.js';

let tandem: Tandem;
let page: Page | undefined;

beforeAll(async () => {
  // The panel on native messaging (its fallback): the host's death is a fault it must ride out.
  // On the default loopback socket there is no host process left to kill.
  tandem = await launchTandem({ agentEnv: { TANDEM_LOCAL_SOCKET: '0' } });
});

afterAll(async () => {
  await tandem.close();
});

dumpPanelOnFailure(() => page);

/** A flood of numbered rows, slowed a little so that faults land in its middle. */
function flood(tag: string, rows: number): string {
  return `for i in $(seq 1 ${rows}); do echo ${tag}-$i; [ $((i % 250)) = 0 ] && sleep 0.3; done; echo ${tag}-done\n`;
}

/** The numbers of the rows `tag-N` in the session's terminal, in order. */
async function rows(panel: Page, sessionId: string, tag: string): Promise<number[]> {
  const text = await panel.evaluate((id: string) => window.__tandem?.text(id) ?? '', sessionId);
  return [...text.matchAll(new RegExp(`^${tag}-(\\d+)$`, 'gm'))].map((m) => Number(m[1]));
}

/** A local shell in a new tab, as a user opens one next to the others. */
async function newShell(panel: Page): Promise<string> {
  if ((await panel.$('[data-testid="new-terminal"]')) === null) await panel.click('button.tab-new');
  return openLocalShell(panel);
}

function oneToN(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

describe('faults', () => {
  it('host killed and service worker stopped mid-flood: the panel carries on, nothing lost or doubled', async () => {
    page = await tandem.openPanel();
    const sessionId = await openLocalShell(page);
    await typeInTerminal(page, flood('hs', 2000));
    await waitForText(page, /^hs-300$/m, { sessionId });
    const [host] = hostPids(tandem.agent.env);
    if (host === undefined) throw new Error('no native host runs');
    process.kill(host, 'SIGKILL');
    await waitForExit(host, 5000);
    await waitForText(page, /^hs-800$/m, { sessionId, timeoutMs: 20_000 });
    const [second] = hostPids(tandem.agent.env);
    expect(second).toBeDefined();
    expect(second).not.toBe(host);
    // Chrome stops idle service workers; here it is stopped mid-flood, on purpose.
    const worker = tandem.browser
      .targets()
      .find((t) => t.type() === 'service_worker' && t.url().includes(tandem.extensionId));
    if (worker === undefined) throw new Error('no service worker');
    await (await worker.worker())?.close();
    await waitForText(page, /^hs-done$/m, { sessionId, timeoutMs: 30_000 });
    expect(await rows(page, sessionId, 'hs')).toEqual(oneToN(2000));
    // The panel holds its own native port: the stopped worker took nothing of its output path,
    // and the host that serves it is still the second one.
    expect(hostPids(tandem.agent.env)).toEqual([second]);
  });

  it('browser quit and started again: the session is still there, with its scrollback', async () => {
    page ??= await tandem.openPanel();
    const sessionId = await newShell(page);
    await typeInTerminal(page, flood('br', 1500));
    await waitForText(page, /^br-300$/m, { sessionId });
    const agent = agentPid(tandem.agent.env);
    await tandem.restartBrowser();
    page = await tandem.openPanel();
    await waitForText(page, /^br-done$/m, { sessionId, timeoutMs: 30_000 });
    expect(await rows(page, sessionId, 'br')).toEqual(oneToN(1500));
    expect(agentPid(tandem.agent.env)).toBe(agent);
    await typeInTerminal(page, 'echo still-$((6*7))\n');
    await waitForText(page, /^still-42$/m, { sessionId });
  });

  it('agent killed with SIGKILL mid-flood: the panel says why, a new agent starts, the recording reads to its last write', async () => {
    page ??= await tandem.openPanel();
    const sessionId = await newShell(page);
    await typeInTerminal(page, flood('ak', 100_000));
    await waitForText(page, /^ak-750$/m, { sessionId });
    // The recording is on disk within 100 ms of the output: all the panel has shown by now
    // must survive a kill 200 ms later (the flood keeps going: it pauses after 750 for 0.3 s).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pid = agentPid(tandem.agent.env);
    if (pid === undefined) throw new Error('no agent');
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 5000);
    await waitForText(page, /ended while the agent was away/, { timeoutMs: 20_000 });
    await page.waitForFunction(() => window.__tandem?.linkState() === 'connected');
    expect(agentPid(tandem.agent.env)).not.toBe(pid);

    // The new agent lists the dead session's recording and reads it whole.
    const client = await AgentClient.connect(tandem.agent.socketPath);
    try {
      const { recordings } = await client.request('recording.list', {});
      const recording = recordings.find((r) => r.sessionId === sessionId);
      if (recording === undefined) throw new Error('the killed session left no recording');
      const text = await readAll(client, recording.recordingId, 'native');
      const output = events(text)
        .filter((e) => e[1] === 'o')
        .map((e) => String(e[2]))
        .join('');
      const recorded = [...output.matchAll(/^ak-(\d+)\r$/gm)].map((m) => Number(m[1]));
      expect(recorded.length).toBeGreaterThanOrEqual(750);
      expect(recorded).toEqual(oneToN(recorded.length));
    } finally {
      client.close();
    }
  });
});
