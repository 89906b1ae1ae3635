/**
 * `peer`: Tandem side by side with wetty and tmux, on the same shell, in one Chromium.
 *
 * wetty (pinned, installed into the ignored .bench/peers) and tmux run on loopback, started
 * here. Tandem's side panel and wetty's page are open in tabs of the same browser at 100×30;
 * the measures run interleaved over TANDEM_BENCH_PEER_ROUNDS rounds (default 3), the order of
 * the peers alternating, and the figures are medians over rounds:
 * - echo: keystroke (`term.input`) → its echo parsed by the page's xterm, 200 keys a round,
 *   one every 50 ms;
 *   tmux: keystroke into a second attached client's PTY → the echo in its output;
 * - a TANDEM_BENCH_FLOOD_MB (default 50) MiB `cat` into the visible terminal, Enter → the
 *   marker printed after it parsed, against `term.write` of the same characters into a fresh
 *   terminal of the same size in the same page (the page's own limit); the same flood with
 *   the page hidden (another tab in front: document hidden, no animation frames);
 * - Ctrl-C → prompt after ~1 s of `yes`, 5 samples a round;
 * - the servers' RSS (their node processes, not the shell) and the page's JS heap, peaks
 *   sampled every 200 ms during the floods.
 * Tandem only: a second panel showing a session with 10,000 lines of scrollback, and the
 * panel's heap after 10 sessions opened, filled and closed.
 * Writes test/bench/peer-table.md. Takes ~10 minutes with the defaults on two cores.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CDPSession, Page } from 'puppeteer';
import { agentPid, hostPids } from '../fixtures/agent.js';
import { launchTandem, type Tandem } from '../e2e/browser.js';
import { installProbe, number, numbers, probe, type ProbeTarget } from './peers/page-probe.js';
import { peerResults } from './peers/entries.js';
import { HeapSampler } from './peers/heap.js';
import { describeProcesses, nodeProcesses, RssSampler } from './peers/processes.js';
import { renderTable, writeTable, type PeerRow } from './peers/table.js';
import { heapGrowth, lateJoin } from './peers/tandem-only.js';
import { startTmux, type Tmux } from './peers/tmux.js';
import { installWetty, startWetty, WETTY_VERSION, type Wetty } from './peers/wetty.js';
import { percentile, type BenchResult } from './results.js';

const ROUNDS = Math.max(1, Number(process.env.TANDEM_BENCH_PEER_ROUNDS ?? 3));
const FLOOD_MB = Math.max(1, Math.round(Number(process.env.TANDEM_BENCH_FLOOD_MB ?? 50)));
const ECHO_KEYS = 200;
/**
 * Keys come at a fast typist's pace, not back to back: a key sent the moment the last echo
 * was parsed would also time that echo's paint (both pages then read ~15 ms more).
 */
const ECHO_GAP_MS = 50;
const CTRL_C_SAMPLES = 5;
const SHELL = ['/bin/bash', '--norc', '--noprofile'];
const PROMPT = 'PEERPROMPT$ ';
const COLS = 100;
const ROWS = 30;
/** Room for a 100×30 terminal at either page's font size (both are pinned to 100×30). */
const VIEWPORT = { width: 1100, height: 800 };
const LINE = 'The quick brown fox jumps over the lazy dog 0123456789 ~!@#$%^&*()_+\n';
/** A flood slower than 0.25 MB/s is a failure, not a figure. */
const FLOOD_TIMEOUT_MS = 60_000 + FLOOD_MB * 4000;

/** One of the two pages under test. */
interface PeerPage {
  name: 'Tandem' | 'wetty';
  page: Page;
  cdp: CDPSession;
  /** The server's node processes (Tandem: agent, its children, the native hosts). */
  serverPids(): number[];
}

/** Per-round figures of a page (each array has one entry a round, but ctrlC: all samples). */
interface PageFigures {
  echo: { p50: number; p90: number; p99: number }[];
  floodMbS: number[];
  hiddenMbS: number[];
  limitMbS: number[];
  ctrlC: number[];
  rssMb: number[];
  heapMb: number[];
}

function emptyFigures(): PageFigures {
  return { echo: [], floodMbS: [], hiddenMbS: [], limitMbS: [], ctrlC: [], rssMb: [], heapMb: [] };
}

function median(values: number[]): number {
  return percentile(values, 50);
}

function spread(samples: number[]): { p50: number; p90: number; p99: number } {
  return {
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
  };
}

function log(line: string): void {
  process.stdout.write(`  ${line}\n`);
}

interface FloodFile {
  file: string;
  bytes: number;
  /** One MiB of the file as the page receives it: the PTY turns each \n into \r\n. */
  block: string;
  blocks: number;
}

/** FLOOD_MB MiB of text lines; each MiB ends with a newline, so the marker gets its own line. */
function makeFloodFile(): FloodFile {
  const file = path.join(os.tmpdir(), `tandem-peer-flood-${process.pid}.txt`);
  const size = 1024 * 1024;
  const block = LINE.repeat(Math.ceil(size / LINE.length)).slice(0, size - 1) + '\n';
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < FLOOD_MB; i++) fs.writeSync(fd, block);
  fs.closeSync(fd);
  return {
    file,
    bytes: FLOOD_MB * size,
    block: block.replaceAll('\n', '\r\n'),
    blocks: FLOOD_MB,
  };
}

/**
 * Sets the prompt and makes sure the shell sees 100×30 (`stty size`), asking the page to
 * resize again if not: a resize sent while a session is still starting can be dropped.
 */
async function prepareShell(peer: PeerPage, resize: () => Promise<void>): Promise<void> {
  await probe(peer.page, 'command', [`PS1='${PROMPT}'`, PROMPT.trimEnd(), 10_000], 20_000);
  let tail: string[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    if (attempt > 0) {
      await resize();
      await new Promise((r) => setTimeout(r, 1000));
    }
    const marker = `SIZE-42-${attempt}`;
    const line = `stty size; echo SIZE-$((6*7))-${attempt}`;
    await probe(peer.page, 'command', [line, marker, 10_000], 20_000);
    tail = await peer.page.evaluate(() => window.__peer?.tail(3) ?? []);
    if (tail.includes(`${ROWS} ${COLS}`)) return;
  }
  throw new Error(`${peer.name}: the shell's terminal is not ${COLS}×${ROWS}: ${tail.join(' | ')}`);
}

async function openTandem(tandem: Tandem): Promise<PeerPage> {
  const page = await tandem.openPanel(VIEWPORT);
  await page.waitForFunction(() => window.__tandem?.linkState() === 'connected', {
    timeout: 20_000,
  });
  const sessionId = await page.evaluate(
    (shell: string[]) =>
      window.__tandem?.open({ kind: 'pty', shell: shell[0], args: shell.slice(1) }, 'peer') ?? '',
    SHELL,
  );
  if (sessionId === '') throw new Error('Tandem: the panel did not open a session');
  await page.waitForFunction(
    (id: string) => window.__tandem?.sessions().find((s) => s.id === id)?.state === 'running',
    { timeout: 20_000 },
    sessionId,
  );
  // Pinned to 100×30 (unscaled: the viewport has room); the panel resizes the PTY to match.
  // Unpinned first, so the size changes (and is sent) even when it was already pinned.
  const resize = async (): Promise<void> => {
    await page.evaluate(
      (id: string, cols: number, rows: number) => {
        const view = window.__tandem?.model.sessions.find((s) => s.id === id);
        view?.pin(undefined);
        view?.pin({ cols, rows });
      },
      sessionId,
      COLS,
      ROWS,
    );
  };
  await new Promise((r) => setTimeout(r, 500));
  await resize();
  await new Promise((r) => setTimeout(r, 500));
  const target: ProbeTarget = { kind: 'tandem', sessionId };
  await installProbe(page, target);
  const env = tandem.agent.env;
  const peer: PeerPage = {
    name: 'Tandem',
    page,
    cdp: await page.createCDPSession(),
    serverPids: () => {
      const agent = agentPid(env);
      return nodeProcesses([...(agent === undefined ? [] : [agent]), ...hostPids(env)]);
    },
  };
  await prepareShell(peer, resize);
  return peer;
}

async function openWetty(tandem: Tandem, wetty: Wetty): Promise<PeerPage> {
  const page = await tandem.browser.newPage();
  await page.setViewport(VIEWPORT);
  // wetty fits its terminal to the window unless told not to; it is then resized to 100×30.
  await page.evaluateOnNewDocument(() =>
    localStorage.setItem(
      'options',
      JSON.stringify({ xterm: { fontSize: 14 }, wettyVoid: 0, wettyFitTerminal: false }),
    ),
  );
  await page.goto(wetty.url);
  await page.waitForFunction(() => window.wetty_term !== undefined, { timeout: 20_000 });
  await installProbe(page, { kind: 'wetty' });
  // xterm reports the new size to wetty's onResize, which sends it to the server.
  const resize = async (): Promise<void> => {
    await page.evaluate(
      (cols: number, rows: number) => {
        window.wetty_term?.resize(cols - 1, rows);
        window.wetty_term?.resize(cols, rows);
      },
      COLS,
      ROWS,
    );
  };
  await resize();
  await new Promise((r) => setTimeout(r, 500));
  const peer: PeerPage = {
    name: 'wetty',
    page,
    cdp: await page.createCDPSession(),
    serverPids: () => nodeProcesses([wetty.pid]),
  };
  await prepareShell(peer, resize);
  return peer;
}

/**
 * One flood into `peer` (in front, or behind `cover`): MB/s, and the peaks of the server's RSS
 * and the page's heap meanwhile.
 */
async function flood(
  peer: PeerPage,
  cover: Page,
  file: FloodFile,
  hidden: boolean,
  tag: string,
): Promise<{ mbS: number; rssMb: number; heapMb: number }> {
  // Hidden: another tab of the same window in front. Chromium then reports the page hidden and
  // runs no animation frames (xterm renders nothing); timers and messages still run.
  await (hidden ? cover : peer.page).bringToFront();
  const state = await peer.page.evaluate(() => document.visibilityState);
  if (state !== (hidden ? 'hidden' : 'visible')) {
    throw new Error(`${peer.name}: the page is ${state}, not ${hidden ? 'hidden' : 'visible'}`);
  }
  const marker = `PEER-END-42-${tag}`;
  const line = `cat ${file.file} && echo PEER-END-$((6*7))-${tag}`;
  const pids = peer.serverPids();
  if (tag === '0v') log(`${peer.name} server processes: ${describeProcesses(pids)}`);
  const rss = new RssSampler(() => pids);
  const heap = new HeapSampler(peer.cdp);
  let ms: number;
  let rssMb: number;
  let heapMb: number;
  try {
    ms = number(
      await probe(
        peer.page,
        'command',
        [line, marker, FLOOD_TIMEOUT_MS],
        FLOOD_TIMEOUT_MS + 30_000,
      ),
    );
  } finally {
    rssMb = rss.stop();
    heapMb = await heap.stop();
    await peer.page.bringToFront();
  }
  return { mbS: file.bytes / 1e6 / (ms / 1000), rssMb, heapMb };
}

async function measureRound(
  round: number,
  peers: PeerPage[],
  tmux: Tmux,
  cover: Page,
  floodFile: FloodFile,
  figures: Map<string, PageFigures>,
  tmuxEcho: { p50: number; p90: number; p99: number }[],
): Promise<void> {
  const order = round % 2 === 0 ? peers : [...peers].reverse();
  const of = (peer: PeerPage): PageFigures => {
    const found = figures.get(peer.name);
    if (found === undefined) throw new Error(`no figures for ${peer.name}`);
    return found;
  };
  for (const peer of order) {
    await peer.page.bringToFront();
    const echo = spread(numbers(await probe(peer.page, 'echo', [ECHO_KEYS, ECHO_GAP_MS], 120_000)));
    of(peer).echo.push(echo);
    log(
      `${peer.name} echo p50/p90/p99 ${echo.p50.toFixed(2)}/${echo.p90.toFixed(2)}/${echo.p99.toFixed(2)} ms`,
    );
  }
  const t = spread(await tmux.echo(ECHO_KEYS, ECHO_GAP_MS));
  tmuxEcho.push(t);
  log(`tmux echo p50/p90/p99 ${t.p50.toFixed(2)}/${t.p90.toFixed(2)}/${t.p99.toFixed(2)} ms`);

  // Each round's peaks over both floods.
  const rss = new Map<PeerPage, number>();
  const heap = new Map<PeerPage, number>();
  for (const hidden of [false, true]) {
    for (const peer of order) {
      const result = await flood(peer, cover, floodFile, hidden, `${round}${hidden ? 'h' : 'v'}`);
      const f = of(peer);
      (hidden ? f.hiddenMbS : f.floodMbS).push(result.mbS);
      rss.set(peer, Math.max(rss.get(peer) ?? 0, result.rssMb));
      heap.set(peer, Math.max(heap.get(peer) ?? 0, result.heapMb));
      log(
        `${peer.name} flood ${hidden ? 'hidden' : 'visible'} ${result.mbS.toFixed(2)} MB/s, ` +
          `server RSS ${result.rssMb.toFixed(0)} MB, page heap ${result.heapMb.toFixed(0)} MB`,
      );
    }
    if (hidden) continue;
    for (const peer of order) {
      await peer.page.bringToFront();
      const ms = number(
        await probe(peer.page, 'rawWrite', [floodFile.block, floodFile.blocks], FLOOD_TIMEOUT_MS),
      );
      const mbS = floodFile.bytes / 1e6 / (ms / 1000);
      of(peer).limitMbS.push(mbS);
      log(`${peer.name} own term.write limit ${mbS.toFixed(2)} MB/s`);
    }
  }

  for (const peer of order) {
    of(peer).rssMb.push(rss.get(peer) ?? Number.NaN);
    of(peer).heapMb.push(heap.get(peer) ?? Number.NaN);
  }

  for (const peer of order) {
    await peer.page.bringToFront();
    const samples = numbers(
      await probe(peer.page, 'ctrlC', [PROMPT.trimEnd(), CTRL_C_SAMPLES, 30_000], 300_000),
    );
    of(peer).ctrlC.push(...samples);
    log(`${peer.name} Ctrl-C → prompt ${samples.map((s) => s.toFixed(0)).join(', ')} ms`);
  }
}

export async function runPeerBench(): Promise<BenchResult[]> {
  const started = Date.now();
  await installWetty();
  const floodFile = makeFloodFile();
  let tandem: Tandem | undefined;
  let wetty: Wetty | undefined;
  let tmux: Tmux | undefined;
  // Should the bench be interrupted (puppeteer exits on Ctrl-C), `finally` never runs: leave no
  // flood file and no agent daemon behind. wetty and tmux have exit hooks of their own.
  const onExit = (): void => {
    fs.rmSync(floodFile.file, { force: true });
    if (tandem === undefined) return;
    const pid = agentPid(tandem.agent.env);
    try {
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    fs.rmSync(tandem.agent.root, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  try {
    tandem = await launchTandem();
    // The shell's environment for wetty and tmux: what Tandem's PTY device gives its shells.
    const env = tandem.agent.env;
    const shellEnv: NodeJS.ProcessEnv = {
      HOME: env.HOME,
      USER: env.USER,
      LOGNAME: env.USER,
      PATH: env.PATH,
      LANG: env.LANG,
      SHELL: '/bin/bash',
      TERM: 'xterm-256color',
      COLORTERM: 'truecolor',
    };
    wetty = await startWetty(SHELL.join(' '), shellEnv);
    tmux = await startTmux(SHELL, shellEnv, PROMPT);
    const tandemPage = await openTandem(tandem);
    const wettyPage = await openWetty(tandem, wetty);
    const peers = [tandemPage, wettyPage];
    const renderers = await Promise.all(
      peers.map(async (p) => `${p.name} ${await p.page.evaluate(() => window.__peer?.renderer())}`),
    );
    const gl = await tandemPage.page.evaluate(() => {
      const context = document.createElement('canvas').getContext('webgl2');
      const info = context?.getExtension('WEBGL_debug_renderer_info');
      return context && info ? String(context.getParameter(info.UNMASKED_RENDERER_WEBGL)) : 'none';
    });
    log(`renderers: ${renderers.join(', ')}; WebGL here: ${gl}`);
    const cover = await tandem.browser.newPage();
    const figures = new Map(peers.map((p) => [p.name, emptyFigures()]));
    const tmuxEcho: { p50: number; p90: number; p99: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      log(`round ${round + 1} of ${ROUNDS}`);
      await measureRound(round, peers, tmux, cover, floodFile, figures, tmuxEcho);
    }
    await wettyPage.page.close();

    // Tandem only, on a fresh session of the first panel.
    const owner = tandemPage.page;
    await owner.evaluate(async () => {
      const hook = window.__tandem;
      for (const s of hook?.sessions() ?? []) await hook?.model.close(s.id);
    });
    const lateId = await owner.evaluate(
      (shell: string[]) =>
        window.__tandem?.open({ kind: 'pty', shell: shell[0], args: shell.slice(1) }, 'late') ?? '',
      SHELL,
    );
    await installProbe(owner, { kind: 'tandem', sessionId: lateId });
    await probe(owner, 'command', [`PS1='${PROMPT}'`, PROMPT.trimEnd(), 10_000], 20_000);
    const joinEmptyMs = await lateJoin(tandem, owner, lateId, 0, VIEWPORT);
    const join10kMs = await lateJoin(tandem, owner, lateId, 10_000, VIEWPORT);
    log(
      `late join: ${join10kMs.toFixed(0)} ms with 10k lines, ${joinEmptyMs.toFixed(0)} ms with none`,
    );
    await owner.evaluate((id: string) => window.__tandem?.model.close(id), lateId);
    await owner.close();
    const heap = await heapGrowth(tandem, VIEWPORT);
    log(`panel heap ${heap.before.toFixed(1)} MB → ${heap.after.toFixed(1)} MB over 10 sessions`);

    const summary = (name: PeerPage['name']): PeerRow => {
      const f = figures.get(name) ?? emptyFigures();
      return {
        name,
        floodMbS: median(f.floodMbS),
        limitMbS: median(f.limitMbS),
        hiddenMbS: median(f.hiddenMbS),
        echo: {
          p50: median(f.echo.map((e) => e.p50)),
          p90: median(f.echo.map((e) => e.p90)),
          p99: median(f.echo.map((e) => e.p99)),
        },
        ctrlC: {
          p50: percentile(f.ctrlC, 50),
          p90: percentile(f.ctrlC, 90),
          max: Math.max(...f.ctrlC),
        },
        serverRssMb: median(f.rssMb),
        pageHeapMb: median(f.heapMb),
      };
    };
    const t = summary('Tandem');
    const w = summary('wetty');
    const x: PeerRow = {
      name: 'tmux',
      echo: {
        p50: median(tmuxEcho.map((e) => e.p50)),
        p90: median(tmuxEcho.map((e) => e.p90)),
        p99: median(tmuxEcho.map((e) => e.p99)),
      },
    };
    const minutes = (Date.now() - started) / 60_000;
    await writeTable(
      renderTable([t, w, x], {
        rounds: ROUNDS,
        floodMb: FLOOD_MB,
        wettyVersion: WETTY_VERSION,
        notes: [
          `Tandem, a second panel on a session with 10,000 lines of output: ${join10kMs.toFixed(0)} ms ` +
            `from its navigation to the last line shown (${joinEmptyMs.toFixed(0)} ms with none).`,
          `Tandem panel heap after 10 sessions opened, filled (\`seq 1 20000\`) and closed: ` +
            `${heap.before.toFixed(1)} → ${heap.after.toFixed(1)} MB.`,
          'Server RSS: Tandem = agent daemon + native host (and any node child of the agent), ' +
            'wetty = its node server; the shells are not counted.',
          `xterm renderers: ${renderers.join(', ')} (WebGL in this browser: ${gl}).`,
          `Run took ${minutes.toFixed(1)} min.`,
        ],
      }),
    );
    return peerResults(t, w, x, { join10kMs, joinEmptyMs, heap });
  } finally {
    process.off('exit', onExit);
    await tmux?.stop();
    await wetty?.stop();
    await tandem?.close();
    fs.rmSync(floodFile.file, { force: true });
  }
}
