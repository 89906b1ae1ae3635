/**
 * What a call costs the terminal: the owner's keystroke echo (key → echo parsed in the panel's
 * xterm) on a session shared with a co-worker and a guest, without a call and during a 3-way
 * video call between them, in the same run; and the CPU of the owner's browser during the call.
 * All three browsers share this 2-core machine; the co-worker's and the guest's run 15 nice
 * levels down, as if on machines of their own, so the figure is what the owner's machine bears
 * (its own two encoders and decoders, the call window, the agent) — not their load too.
 */
import fs from 'node:fs';
import type { Page } from 'puppeteer';
import {
  invite,
  joinCall,
  launchCallParties,
  liveTiles,
  mediaFlows,
  openCallWindow,
  openGuest,
} from '../e2e/call-helpers.js';
import { panelEcho } from './panel-echo.js';
import { percentile, type BenchResult } from './results.js';

const ROUNDS = 150;
const CPU_WINDOW_MS = 10_000;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU ticks (user + system) of a process and all its descendants. */
function treeTicks(root: number): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) in parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() ?? 0;
    total += ticks.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** Percent of one core the process tree used over `ms`. */
async function cpuPercent(pid: number, ms: number): Promise<number> {
  const before = treeTicks(pid);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ((treeTicks(pid) - before) / TICKS_PER_SECOND / (ms / 1000)) * 100;
}

export async function runCallBench(): Promise<BenchResult[]> {
  const parties = await launchCallParties({ remoteNice: 15 });
  try {
    const { owner, coworker, guestBrowser } = parties;
    const panel = await owner.openPanel({ width: 460, height: 720 });
    await panel.waitForFunction(() => window.__tandem?.linkState() === 'connected');
    await panel.evaluate('globalThis.__name = (f) => f');
    const sessionId = await panel.evaluate(
      () => window.__tandem?.open({ kind: 'echo' }, 'echo') ?? '',
    );
    const kimPanel = await coworker.openPanel({ width: 460, height: 720 });
    await kimPanel.waitForFunction(() => window.__tandem?.linkState() === 'connected');
    const url = await invite(panel, sessionId, 'coworker');
    await kimPanel.evaluate(async (u: string) => {
      await window.__tandem?.model.join(u, 'Kim');
    }, url);
    const guest = await openGuest(guestBrowser, await invite(panel, sessionId, 'viewer'), 'Gia');
    await panel.bringToFront();

    const without = await panelEcho(panel, sessionId, ROUNDS);
    const idleCpu = await cpuPercent(owner.browser.process()?.pid ?? 0, CPU_WINDOW_MS / 2);

    const calls: Page[] = [await openCallWindow(owner, panel, sessionId)];
    await joinCall(calls[0] as Page);
    await kimPanel.waitForSelector(`[data-session="${sessionId}"] [data-testid="call-button"]`);
    calls.push(await openCallWindow(coworker, kimPanel, sessionId));
    await joinCall(calls.at(-1) as Page);
    await guest.click('[data-testid="call-button"]');
    await joinCall(guest);
    calls.push(guest);
    for (const page of calls) {
      await liveTiles(page, 3);
      await mediaFlows(page, 2);
    }
    const received = await mediaFlows(calls[0] as Page, 2);
    process.stdout.write(
      `  the owner receives ${received.map((r) => `${r.width} px at ${r.fps} fps`).join(', ')}\n`,
    );
    const ownerCpu = await cpuPercent(owner.browser.process()?.pid ?? 0, CPU_WINDOW_MS);
    const during = await panelEcho(panel, sessionId, ROUNDS);
    // The call is still up: media kept flowing while the keys were typed.
    await mediaFlows(calls[0] as Page, 2);

    for (const page of calls) await page.click('[data-testid="call-leave"]');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await panelEcho(panel, sessionId, ROUNDS);
    const baseline = [...without, ...after];

    const p50 = (v: number[]): number => percentile(v, 50);
    const p99 = (v: number[]): number => percentile(v, 99);
    process.stdout.write(
      `  echo p50/p99 without a call ${p50(baseline).toFixed(2)}/${p99(baseline).toFixed(2)} ms, ` +
        `during ${p50(during).toFixed(2)}/${p99(during).toFixed(2)} ms; owner browser CPU ` +
        `${idleCpu.toFixed(0)}% idle, ${ownerCpu.toFixed(0)}% in the call\n`,
    );
    return [
      {
        name: 'call.echo_ratio',
        value: p50(during),
        unit: 'ms',
        baseline: p50(baseline),
        ratio: p50(during) / p50(baseline),
        goal: '<= 1.2',
      },
      {
        name: 'call.echo_p99_ratio',
        value: p99(during),
        unit: 'ms',
        baseline: p99(baseline),
        ratio: p99(during) / p99(baseline),
      },
      {
        name: 'call.owner_cpu_pct',
        value: ownerCpu,
        unit: '% of a core',
        baseline: idleCpu,
      },
    ];
  } finally {
    await parties.close();
  }
}
