/**
 * Soak: the same mixed load, minute after minute, for TANDEM_SOAK_MINUTES (default 30), while
 * the memory (VmRSS) and open descriptors of the agent, its WebRTC process and its relay are
 * sampled every 10 s. The load never changes, so what grows between the first minutes after
 * the warm-up and the last ones is a leak, not work.
 *
 * Each minute is six 10-second ticks. Every tick: the owner types three commands key by key
 * in the typing session (each keystroke's echo timed); Rita, a remote participant in that
 * session, is switched between viewer and co-worker, and types a command whenever she is a
 * co-worker; one remote participant joins (alternately the typing session as a co-worker and
 * the flood session as a viewer) and the one from the tick before goes (alternately a detach
 * and leave, and an abrupt close). Every third tick the owner floods the flood session with
 * 1 MB, which two viewers in a process of their own watch throughout. Both sessions start
 * with 3 MB of output, so the agent's per-session buffers are full before the warm-up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { REPO_ROOT, makeAgentEnv, spawnHost } from '../fixtures/agent.js';
import { Participant, parseInviteUrl, type InviteLink } from '../fixtures/participant.js';
import {
  SessionTail,
  agentProcesses,
  printLogSummary,
  readAgentLog,
  sampleProcess,
  sleep,
  type AgentProcesses,
  type ProcessSample,
} from './reliability.js';
import { percentile, round, type BenchResult } from './results.js';

const MINUTES = Number(process.env.TANDEM_SOAK_MINUTES ?? 30);
const TICK_MS = 10_000;
const TICKS_PER_MINUTE = 60_000 / TICK_MS;
/** Warm-up, not compared: caches, JIT, the first joins. A tenth of the run, at least a minute. */
const WARMUP_MINUTES = Math.max(1, Math.round(MINUTES / 10));
/** Each compared window: a tenth of what follows the warm-up, in whole minutes (whole cycles). */
const WINDOW_MINUTES = Math.max(1, Math.round((MINUTES - WARMUP_MINUTES) / 10));
const KEY_MS = 40;
const FLOOD_LINE = `soak ${'y'.repeat(94)}`;
const FLOOD_LINES = 10_000;
/** 3 MB and 30,000 lines: more than the agent keeps of any session. */
const PRIME_LINES = 30_000;
/** Ticks in a row that may fail before the soak stops: by then the agent is not coming back. */
const MAX_FAILED_TICKS = 3;

const PROCESSES = ['agent', 'peer', 'relay'] as const;
type ProcessName = (typeof PROCESSES)[number];

/** Who comes and goes at tick k of a minute: three of each session, three of each way to go. */
const CHURN: { session: 'typing' | 'flood'; leave: 'detach' | 'close' }[] = [
  { session: 'typing', leave: 'detach' },
  { session: 'flood', leave: 'close' },
  { session: 'typing', leave: 'close' },
  { session: 'flood', leave: 'detach' },
  { session: 'typing', leave: 'detach' },
  { session: 'flood', leave: 'close' },
];

interface Sample {
  tick: number;
  pids: AgentProcesses;
  figures: Partial<Record<ProcessName, ProcessSample>>;
}

interface Guest {
  participant: Participant;
  sessionId: string;
  leave: 'detach' | 'close';
}

function average(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** The participant id in a join reply (read, not assumed: it comes over the wire). */
function participantIdOf(reply: unknown): string {
  if (
    typeof reply === 'object' &&
    reply !== null &&
    'participantId' in reply &&
    typeof reply.participantId === 'string'
  ) {
    return reply.participantId;
  }
  throw new Error('the join reply has no participant id');
}

function samplePids(pids: AgentProcesses): Sample['figures'] {
  const figures: Sample['figures'] = {};
  for (const name of PROCESSES) {
    const pid = pids[name];
    const figure = pid === undefined ? undefined : sampleProcess(pid);
    if (figure !== undefined) figures[name] = figure;
  }
  return figures;
}

async function startViewers(url: string, sessionId: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/bench/viewer-process.ts', url, sessionId, '2', 'Soak viewer'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`viewers exited (${String(code)})`)));
  });
  return child;
}

export async function runSoakBench(): Promise<BenchResult[]> {
  if (!(MINUTES >= WARMUP_MINUTES + 2 * WINDOW_MINUTES)) {
    throw new Error(
      `TANDEM_SOAK_MINUTES=${process.env.TANDEM_SOAK_MINUTES ?? ''} is too short: the soak ` +
        `needs a warm-up and two windows to compare (at least 3 minutes)`,
    );
  }
  const agentEnv = makeAgentEnv();
  const host = spawnHost(agentEnv.env);
  const owner = host.client;
  let viewers: ChildProcess | undefined;
  const present: Participant[] = [];
  try {
    const open = async (name: string): Promise<SessionTail> => {
      const { sessionId } = await owner.request('session.open', {
        device: { kind: 'pty', shell: '/bin/bash', args: ['--norc', '--noprofile'] },
        cols: 120,
        rows: 40,
        name,
      });
      const tail = new SessionTail(owner, sessionId, { ack: true });
      await owner.request('session.attach', { sessionId });
      await tail.run("PS1='$ '", `${name}-ready`);
      // Fills what the agent keeps per session up to its bounds (2 MiB replay buffer, 10,000
      // lines of scrollback) before the warm-up: filling them is growth, but not a leak.
      await tail.run(`yes '${FLOOD_LINE}' | head -n ${PRIME_LINES}`, `${name}-primed`, 120_000);
      return tail;
    };
    const typing = await open('typing');
    const flood = await open('flood');
    const invite = async (sessionId: string, role: 'viewer' | 'coworker'): Promise<InviteLink> =>
      parseInviteUrl((await owner.request('invite.create', { sessionId, role })).url);
    const links = {
      typing: await invite(typing.sessionId, 'coworker'),
      flood: await invite(flood.sessionId, 'viewer'),
    };
    const join = async (
      link: InviteLink,
      name: string,
    ): Promise<{ participant: Participant; participantId: string }> => {
      const participant = await Participant.connect(link);
      present.push(participant);
      try {
        return { participant, participantId: participantIdOf(await participant.join(link, name)) };
      } catch (error) {
        // A half-joined connection left open would change the load from here on.
        forget(participant);
        participant.close();
        throw error;
      }
    };
    const forget = (participant: Participant): void => {
      present.splice(present.indexOf(participant), 1);
    };

    const floodViewerUrl = (
      await owner.request('invite.create', {
        sessionId: flood.sessionId,
        role: 'viewer',
      })
    ).url;
    viewers = await startViewers(floodViewerUrl, flood.sessionId);
    const { participant: rita, participantId: ritaId } = await join(links.typing, 'Rita');
    const ritaView = new SessionTail(rita, typing.sessionId, { ack: false });
    await rita.request('session.attach', { sessionId: typing.sessionId });
    let ritaRole: 'viewer' | 'coworker' = 'coworker';

    const echoes: { tick: number; ms: number }[] = [];
    const samples: Sample[] = [];
    const failures: string[] = [];
    let failedInARow = 0;
    let overruns = 0;
    let guest: Guest | undefined;
    const ticks = MINUTES * TICKS_PER_MINUTE;
    const started = performance.now();

    const typeCommand = async (tick: number, i: number): Promise<void> => {
      // Only the shell's output says `…-42`; the typed line shows `…-$((6*7))`.
      const command = `echo typed-${tick}-${i}-$((6*7))`;
      for (let k = 1; k <= command.length; k++) {
        const sent = performance.now();
        const echoed = typing.waitForEnd(command.slice(0, k), 10_000);
        typing.type(command.charAt(k - 1));
        await echoed;
        echoes.push({ tick, ms: performance.now() - sent });
        await sleep(KEY_MS);
      }
      const done = typing.waitFor(`typed-${tick}-${i}-42`, 10_000);
      typing.type('\r');
      await done;
    };

    const tickWork = async (tick: number): Promise<void> => {
      const floodDone =
        tick % 3 === 0
          ? flood.run(`yes '${FLOOD_LINE}' | head -n ${FLOOD_LINES}`, `flood-${tick}`, 60_000)
          : Promise.resolve();
      try {
        for (let i = 0; i < 3; i++) await typeCommand(tick, i);

        ritaRole = ritaRole === 'viewer' ? 'coworker' : 'viewer';
        await owner.request('participant.setRole', {
          sessionId: typing.sessionId,
          participantId: ritaId,
          role: ritaRole,
        });
        if (ritaRole === 'coworker') await ritaView.run('true', `rita-${tick}`);

        const leaving = guest;
        guest = undefined;
        if (leaving !== undefined) {
          forget(leaving.participant);
          if (leaving.leave === 'detach') await leaving.participant.leave(leaving.sessionId);
          else leaving.participant.close();
        }
        const churn = CHURN[tick % CHURN.length] ?? { session: 'typing', leave: 'detach' };
        const sessionId = churn.session === 'typing' ? typing.sessionId : flood.sessionId;
        const { participant } = await join(links[churn.session], `Guest ${tick}`);
        guest = { participant, sessionId, leave: churn.leave };
        await participant.request('session.attach', { sessionId });
      } finally {
        await floodDone;
      }
    };

    for (let tick = 0; tick < ticks; tick++) {
      const wait = started + tick * TICK_MS - performance.now();
      if (wait > 0) await sleep(wait);
      else if (tick > 0) overruns++;
      const pids = agentProcesses(agentEnv.env);
      samples.push({ tick, pids, figures: samplePids(pids) });
      if (tick % TICKS_PER_MINUTE === 0) {
        const minute = tick / TICKS_PER_MINUTE;
        const figures = samples.at(-1)?.figures ?? {};
        process.stdout.write(
          `soak: minute ${minute}/${MINUTES} ` +
            PROCESSES.map((name) => {
              const f = figures[name];
              return f === undefined
                ? `${name} gone`
                : `${name} ${(f.rssKb / 1024).toFixed(0)} MB ${f.fds} fds`;
            }).join(', ') +
            '\n',
        );
      }
      try {
        await tickWork(tick);
        failedInARow = 0;
      } catch (error) {
        failures.push(`tick ${tick}: ${error instanceof Error ? error.message : String(error)}`);
        failedInARow++;
        if (failedInARow >= MAX_FAILED_TICKS) {
          throw new Error(`the soak load kept failing:\n${failures.join('\n')}`);
        }
      }
    }
    const wait = started + ticks * TICK_MS - performance.now();
    if (wait > 0) await sleep(wait);

    // Steady state after the warm-up against the end, over whole minutes (whole cycles of load).
    const first = WARMUP_MINUTES * TICKS_PER_MINUTE;
    const window = WINDOW_MINUTES * TICKS_PER_MINUTE;
    const early = samples.filter((s) => s.tick >= first && s.tick < first + window);
    const late = samples.filter((s) => s.tick >= ticks - window && s.tick < ticks);
    const results: BenchResult[] = [];
    let rssGrowth = 0;
    let fdGrowth = 0;
    const rows: Record<string, string | number>[] = [];
    for (const name of PROCESSES) {
      const figures = (from: Sample[]): ProcessSample[] =>
        from.flatMap((s) => {
          const f = s.figures[name];
          return f === undefined ? [] : [f];
        });
      const before = figures(early);
      const after = figures(late);
      if (before.length === 0 || after.length === 0) continue;
      const rssBefore = average(before.map((f) => f.rssKb)) / 1024;
      const rssAfter = average(after.map((f) => f.rssKb)) / 1024;
      const fdsBefore = average(before.map((f) => f.fds));
      const fdsAfter = average(after.map((f) => f.fds));
      const rssPct = ((rssAfter - rssBefore) / rssBefore) * 100;
      const fdPct = ((fdsAfter - fdsBefore) / fdsBefore) * 100;
      rssGrowth = Math.max(rssGrowth, rssPct);
      fdGrowth = Math.max(fdGrowth, fdPct);
      // Averages are compared; the range shows how much GC alone moves a process within a window.
      const mb = (from: ProcessSample[], mean: number): string => {
        const values = from.map((f) => f.rssKb / 1024);
        return `${mean.toFixed(1)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
      };
      rows.push({
        process: name,
        'rss MB after warm-up (range)': mb(before, rssBefore),
        'rss MB at the end (range)': mb(after, rssAfter),
        'rss %': round(rssPct),
        'fds (after warm-up)': round(fdsBefore),
        'fds (end)': round(fdsAfter),
        'fds %': round(fdPct),
      });
      results.push(
        {
          name: `reliability.soak_${name}_rss_mb`,
          value: rssAfter,
          unit: 'MB',
          baseline: rssBefore,
          ratio: rssAfter / rssBefore,
        },
        {
          name: `reliability.soak_${name}_fds`,
          value: fdsAfter,
          unit: 'fds',
          baseline: fdsBefore,
          ratio: fdsAfter / fdsBefore,
        },
      );
    }

    const pidChanges = PROCESSES.map((name) => {
      const seen = new Set(samples.map((s) => s.pids[name]));
      return `${name} ${[...seen].map((pid) => pid ?? 'none').join(' → ')}`;
    });
    const log = readAgentLog(agentEnv.env);
    const crashes = log.events.get('peer.crashed') ?? 0;
    const echoMs = (from: number, to: number): number[] =>
      echoes.filter((e) => e.tick >= from && e.tick < to).map((e) => e.ms);
    const echoEarly = echoMs(first, first + window);
    const echoLate = echoMs(ticks - window, ticks);
    const allEchoes = echoes.map((e) => e.ms);
    process.stdout.write(
      [
        `soak: ${MINUTES} min (${ticks} ticks, ${overruns} late), warm-up ${WARMUP_MINUTES} min, ` +
          `compared ${WINDOW_MINUTES} min after it against the last ${WINDOW_MINUTES} min`,
        `soak: pids: ${pidChanges.join('; ')}; peer.crashed ×${crashes}`,
        `soak: owner keystroke echo p50/p99 ${percentile(echoEarly, 50).toFixed(2)}/` +
          `${percentile(echoEarly, 99).toFixed(2)} ms after warm-up, ` +
          `${percentile(echoLate, 50).toFixed(2)}/${percentile(echoLate, 99).toFixed(2)} ms at the end`,
        `soak: failed ticks ${failures.length}${failures.map((f) => `\n  ${f}`).join('')}`,
      ].join('\n') + '\n',
    );
    console.table(rows);
    printLogSummary('soak', log);

    return [
      {
        name: 'reliability.soak_rss_growth_pct',
        value: rssGrowth,
        unit: '%',
        goal: '< 10 (max over agent, peer process, relay: end vs after warm-up)',
      },
      {
        name: 'reliability.soak_fd_growth_pct',
        value: fdGrowth,
        unit: '%',
        goal: '< 10 (max over agent, peer process, relay: end vs after warm-up)',
      },
      ...results,
      { name: 'reliability.soak_minutes', value: MINUTES, unit: 'min' },
      { name: 'reliability.soak_peer_crashes', value: crashes, unit: 'crashes', goal: '0' },
      { name: 'reliability.soak_failed_ticks', value: failures.length, unit: 'ticks', goal: '0' },
      {
        name: 'reliability.soak_owner_echo_ms_p99',
        value: percentile(allEchoes, 99),
        unit: 'ms',
      },
    ];
  } finally {
    for (const participant of present) participant.close();
    viewers?.kill('SIGKILL');
    await host.close();
    await agentEnv.cleanup();
  }
}
