/**
 * Stress: participants dropped in the middle of a flood, DROPS times, against one agent and
 * its WebRTC process. node-webrtc used to kill the peer process with SIGSEGV about once in 60
 * such drops (a remote close racing a send); this counts `peer.crashed` in the agent's log and
 * checks the peer process is the one it started with.
 *
 * Each drop: a participant in its own process joins through the embedded relay and attaches,
 * the owner starts `yes | head` (far more than can arrive before the drop), and once the
 * participant has 32 KiB of it the participant is dropped — SIGKILL of its process, or
 * (alternately) its data connection and peer closed without a detach — while the flood still
 * pours onto its channel; the owner interrupts the flood a moment later. SLOTS such loops run
 * at once, each in a session of its own, so 320 drops take minutes on two cores.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { AgentClient } from '../../native-host/client.js';
import { REPO_ROOT, isAlive, makeAgentEnv, spawnHost } from '../fixtures/agent.js';
import { parseEvent, type DropWorkerCommand, type DropWorkerEvent } from './drop-messages.js';
import {
  SessionTail,
  agentProcesses,
  printLogSummary,
  readAgentLog,
  sampleProcess,
  sleep,
} from './reliability.js';
import { percentile, type BenchResult } from './results.js';

const DROPS = Number(process.env.TANDEM_STRESS_DROPS ?? 320);
/** Participants joining and dropping at the same time, each in a session of its own. */
const SLOTS = Number(process.env.TANDEM_STRESS_SLOTS ?? 4);
const FLOOD_LINE = `flood ${'x'.repeat(93)}`;
/** ~100 MB per flood: it cannot end before the drop (the agent moves ~30 MB/s on a good day). */
const FLOOD_LINES = 1_000_000;
const FLOOD_CHARS = FLOOD_LINES * (FLOOD_LINE.length + 2);
/** How long the flood goes on after the drop, so the agent's sends race the close. */
const AFTER_DROP_MS = 300;
/** How long the suite waits, after the loop, for dead connections to be let go. */
const REAP_TIMEOUT_MS = 60_000;
/** Failed attempts (a join that never opened, say) tolerated, and reported, before giving up. */
const MAX_FAILURES = Math.ceil(DROPS / 20);

type DropKind = 'kill' | 'close';

/** One participant process (drop-participant.ts) and the events it reports. */
class DropWorker {
  private readonly events: DropWorkerEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (value: unknown) => {
      const parsed = parseEvent(value);
      if (parsed !== undefined) this.events.push(parsed);
      for (const wake of this.waiters) wake();
    });
    child.once('exit', () => {
      this.exited = true;
      for (const wake of this.waiters) wake();
    });
  }

  static async spawn(url: string, sessionId: string, name: string): Promise<DropWorker> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/bench/drop-participant.ts', url, sessionId, name],
      { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
    );
    const worker = new DropWorker(child);
    try {
      await worker.next('ready', 60_000);
    } catch (error) {
      worker.kill();
      throw error;
    }
    return worker;
  }

  send(command: DropWorkerCommand): void {
    if (this.child.connected) this.child.send(command);
  }

  /** Waits for the next event of this type; earlier events of other types are dropped. */
  async next(type: DropWorkerEvent['type'], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.events.shift();
      if (event?.type === type) return;
      if (event?.type === 'failed') throw new Error(`participant: ${event.message}`);
      if (event !== undefined) continue;
      if (this.exited) throw new Error(`participant process exited before '${type}'`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`participant: no '${type}' within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

interface Slot {
  index: number;
  tail: SessionTail;
  url: string;
  worker: Promise<DropWorker> | undefined;
}

interface Tally {
  /** Drops under way or made; a failed attempt gives its place back. */
  claimed: number;
  /** Attempts started, for names, markers and the kind of drop. */
  attempts: number;
  drops: number;
  kills: number;
  closes: number;
  midFlood: number;
  failures: string[];
  /** Chars the owner received between the drop and the interrupt: the flood went on. */
  afterDrop: number[];
  /** Join → drop, per drop. */
  iterationMs: number[];
}

async function openSlot(owner: AgentClient, index: number): Promise<Slot> {
  const { sessionId } = await owner.request('session.open', {
    device: { kind: 'pty', shell: '/bin/bash', args: ['--norc', '--noprofile'] },
    cols: 120,
    rows: 40,
    // Recording is not under test here; on two cores its disk writes would only slow the loop.
    record: false,
  });
  const tail = new SessionTail(owner, sessionId, { ack: true });
  await owner.request('session.attach', { sessionId });
  await tail.run("PS1='$ '", `slot-${index}`);
  const role = index % 2 === 0 ? 'viewer' : 'coworker';
  const { url } = await owner.request('invite.create', { sessionId, role });
  return { index, tail, url, worker: undefined };
}

function workerFor(slot: Slot, n: number): Promise<DropWorker> {
  slot.worker ??= DropWorker.spawn(slot.url, slot.tail.sessionId, `Stress ${slot.index}.${n}`);
  return slot.worker;
}

/** One slot's loop: join, flood, drop, interrupt; until DROPS drops have been made in all. */
async function runSlot(slot: Slot, tally: Tally): Promise<void> {
  while (tally.claimed < DROPS) {
    tally.claimed++;
    const n = tally.attempts++;
    const kind: DropKind = n % 2 === 0 ? 'kill' : 'close';
    const { tail } = slot;
    const started = performance.now();
    let worker: DropWorker | undefined;
    try {
      worker = await workerFor(slot, n);
      worker.send('join');
      await worker.next('attached', 30_000);
      const flowing = worker.next('flowing', 30_000);
      const floodStart = tail.received;
      tail.type(`yes '${FLOOD_LINE}' | head -n ${FLOOD_LINES}\r`);
      await flowing;
      const atDrop = tail.received;
      if (kind === 'kill') {
        worker.kill();
        slot.worker = undefined;
        // The next participant process starts while this flood is interrupted.
        void workerFor(slot, n + 1).catch(() => undefined);
        tally.kills++;
      } else {
        worker.send('close');
        await worker.next('closed', 10_000);
        tally.closes++;
      }
      tally.drops++;
      tally.iterationMs.push(performance.now() - started);
      if (atDrop - floodStart < FLOOD_CHARS) tally.midFlood++;
      await sleep(AFTER_DROP_MS);
      tally.afterDrop.push(tail.received - atDrop);
    } catch (error) {
      tally.claimed--;
      tally.failures.push(
        `drop ${n} (slot ${slot.index}): ${error instanceof Error ? error.message : String(error)}`,
      );
      worker?.kill();
      slot.worker = undefined;
      if (tally.failures.length > MAX_FAILURES) {
        throw new Error(`too many failed attempts:\n${tally.failures.join('\n')}`);
      }
    }
    tail.type('\x03');
    await tail.run('true', `ready-${slot.index}-${n}`);
  }
}

export async function runStressBench(): Promise<BenchResult[]> {
  const agentEnv = makeAgentEnv();
  const host = spawnHost(agentEnv.env);
  const slots: Slot[] = [];
  try {
    const owner = host.client;
    for (let i = 0; i < SLOTS; i++) slots.push(await openSlot(owner, i));
    const before = agentProcesses(agentEnv.env);
    if (before.peer === undefined) throw new Error('no peer process after the first invite');
    const peerBefore = sampleProcess(before.peer);

    const tally: Tally = {
      claimed: 0,
      attempts: 0,
      drops: 0,
      kills: 0,
      closes: 0,
      midFlood: 0,
      failures: [],
      afterDrop: [],
      iterationMs: [],
    };
    const started = performance.now();
    let lastReport = started;
    const progress = setInterval(() => {
      const now = performance.now();
      if (now - lastReport < 30_000) return;
      lastReport = now;
      process.stdout.write(
        `stress: ${tally.drops}/${DROPS} drops in ${((now - started) / 1000).toFixed(0)} s\n`,
      );
    }, 1000);
    try {
      await Promise.all(slots.map((slot) => runSlot(slot, tally)));
    } finally {
      clearInterval(progress);
    }
    const seconds = (performance.now() - started) / 1000;

    // Every session still answers, after the last drop has had time to be noticed.
    await sleep(2000);
    for (const slot of slots) await slot.tail.run('true', `alive-${slot.index}`);
    const after = agentProcesses(agentEnv.env);
    const peerAfter = after.peer === undefined ? undefined : sampleProcess(after.peer);
    // Killed participants never say goodbye: their connections live until ICE gives up on
    // them. How long until the peer process is back to its descriptors before the loop.
    const reapStarted = performance.now();
    let peerReaped = peerAfter;
    while (
      after.peer !== undefined &&
      peerReaped !== undefined &&
      peerBefore !== undefined &&
      peerReaped.fds > peerBefore.fds &&
      performance.now() - reapStarted < REAP_TIMEOUT_MS
    ) {
      await sleep(1000);
      peerReaped = sampleProcess(after.peer);
    }
    const reapSeconds = (performance.now() - reapStarted) / 1000;
    const log = readAgentLog(agentEnv.env);
    const crashes = log.events.get('peer.crashed') ?? 0;
    const replaced = after.peer !== before.peer || after.agent !== before.agent;
    const peerCrashes = Math.max(crashes, replaced ? 1 : 0);

    const kb = (sample: { rssKb: number } | undefined): string =>
      sample === undefined ? 'gone' : `${(sample.rssKb / 1024).toFixed(0)} MB`;
    process.stdout.write(
      [
        `stress: ${tally.drops} drops (${tally.kills} SIGKILL, ${tally.closes} close without detach) ` +
          `in ${seconds.toFixed(0)} s over ${SLOTS} sessions; ${tally.midFlood} mid-flood`,
        `stress: join → drop p50 ${percentile(tally.iterationMs, 50).toFixed(0)} ms, ` +
          `p99 ${percentile(tally.iterationMs, 99).toFixed(0)} ms; flood chars reaching the ` +
          `owner in the ${AFTER_DROP_MS} ms after a drop: p50 ${percentile(tally.afterDrop, 50)}, ` +
          `min ${Math.min(...tally.afterDrop)}`,
        `stress: failed attempts (not counted as drops) ${tally.failures.length}${tally.failures.map((f) => `\n  ${f}`).join('')}`,
        `stress: peer.crashed ×${crashes}; agent pid ${before.agent} → ${after.agent}` +
          ` (alive: ${String(isAlive(after.agent))}); peer process pid ${before.peer} → ` +
          `${after.peer ?? 'none'}; peer RSS ${kb(peerBefore)} → ${kb(peerAfter)}, fds ` +
          `${peerBefore?.fds ?? '?'} → ${peerAfter?.fds ?? '?'}; ${reapSeconds.toFixed(0)} s later ` +
          `RSS ${kb(peerReaped)}, fds ${peerReaped?.fds ?? '?'}`,
      ].join('\n') + '\n',
    );
    printLogSummary('stress', log);

    return [
      {
        name: 'reliability.stress_drops',
        // Only drops that landed while the flood was still coming count.
        value: tally.midFlood,
        unit: 'drops',
        goal: `${DROPS}, each mid-flood (SIGKILL and close without detach, alternately)`,
      },
      {
        name: 'reliability.stress_peer_rss_mb',
        value: (peerReaped?.rssKb ?? 0) / 1024,
        unit: 'MB',
        baseline: (peerBefore?.rssKb ?? 0) / 1024,
        goal: 'informative: peer process after the loop vs before it',
      },
      {
        name: 'reliability.stress_peer_crashes',
        value: peerCrashes,
        unit: 'crashes',
        goal: '0 (peer.crashed in the agent log, or a new peer process)',
      },
    ];
  } finally {
    for (const slot of slots)
      void slot.worker?.then(
        (worker) => worker.kill(),
        () => undefined,
      );
    await host.close();
    await agentEnv.cleanup();
  }
}
