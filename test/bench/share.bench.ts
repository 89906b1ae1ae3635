/**
 * Sharing benchmarks over real WebRTC on loopback (agent peer ↔ Node peers through the
 * embedded relay): a remote co-worker's keystroke echo, and the owner's echo while 8 viewers
 * and 1 throttled (frozen) viewer watch, against the owner alone in the same run. Viewers run
 * in their own processes, as they would on their own machines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createInterface } from 'node:readline';
import type { AgentClient } from '../../native-host/client.js';
import { REPO_ROOT, agentPid, makeAgentEnv, spawnHost } from '../fixtures/agent.js';
import { Participant, parseInviteUrl } from '../fixtures/participant.js';
import { percentile, type BenchResult } from './results.js';

/** Echo rounds per phase. An echo takes ~0.15 ms, so a phase is a second or so of typing. */
const ROUNDS = Number(process.env.SHARE_ROUNDS ?? 5000);
/** Quiet time before a phase, so one phase's teardown is not timed in the next. */
const SETTLE_MS = 1000;
const PADDING = 'x'.repeat(512);

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

type Typist = Pick<AgentClient, 'notify' | 'onEvent'>;

/** Acknowledges everything a view receives, as a panel does (else flow control pauses the device). */
function acknowledge(view: Typist, sessionId: string): void {
  view.onEvent((event) => {
    if (event.type === 'session.output' && event.sessionId === sessionId) {
      view.notify('session.ack', { sessionId, chars: event.data.length });
    }
  });
}

/** Keystroke (plus a little output, so viewers carry real traffic) → its echo, in ms. */
async function echoRounds(
  typist: Typist,
  sessionId: string,
  rounds: number,
  onRound?: () => void,
): Promise<number[]> {
  let resolveOne: (() => void) | undefined;
  let want = '';
  let got = '';
  const off = typist.onEvent((event) => {
    if (event.type !== 'session.output' || event.sessionId !== sessionId) return;
    got += event.data;
    if (got.endsWith(want)) resolveOne?.();
  });
  const samples: number[] = [];
  for (let i = 0; i < rounds + 50; i++) {
    want = `k${i}${PADDING}`;
    got = '';
    const started = performance.now();
    await new Promise<void>((resolve) => {
      resolveOne = resolve;
      typist.notify('session.input', { sessionId, data: want });
    });
    if (i >= 50) samples.push(performance.now() - started);
    onRound?.();
  }
  if (typeof off === 'function') off();
  return samples;
}

export async function runShareBench(): Promise<BenchResult[]> {
  const agentEnv = makeAgentEnv();
  const host = spawnHost(agentEnv.env);
  const participants: Participant[] = [];
  const children: ChildProcess[] = [];
  try {
    const owner = host.client;
    const { sessionId } = await owner.request('session.open', {
      device: { kind: 'echo' },
      cols: 80,
      rows: 24,
    });
    acknowledge(owner, sessionId);
    await owner.request('session.attach', { sessionId });
    const pid = agentPid(agentEnv.env);
    if (pid === undefined) throw new Error('no agent');

    // Remote co-worker echo.
    const coworkerLink = parseInviteUrl(
      (await owner.request('invite.create', { sessionId, role: 'coworker' })).url,
    );
    const coworker = await Participant.connect(coworkerLink);
    participants.push(coworker);
    await coworker.join(coworkerLink, 'Co-worker');
    await coworker.request('session.attach', { sessionId });
    const remote = await echoRounds(coworker, sessionId, ROUNDS);
    await coworker.leave(sessionId);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

    // The owner alone (the co-worker has left), then with 8 viewers + 1 frozen viewer.
    const alone = await echoRounds(owner, sessionId, ROUNDS);
    const viewerUrl = (await owner.request('invite.create', { sessionId, role: 'viewer' })).url;
    const startViewers = async (count: number, name: string): Promise<ChildProcess> => {
      // Niced: the viewers stand for other people's machines, so their decoding should not
      // be billed to the agent on this one (the agent's own peer process is not niced).
      const child = spawn(
        'nice',
        [
          '-n',
          '19',
          process.execPath,
          '--import',
          'tsx',
          'test/bench/viewer-process.ts',
          viewerUrl,
          sessionId,
          `${count}`,
          name,
        ],
        { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', () => resolve());
        child.once('exit', (code) => reject(new Error(`viewers exited (${String(code)})`)));
      });
      return child;
    };
    await startViewers(8, 'Viewer');
    const throttled = await startViewers(1, 'Throttled viewer');
    throttled.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const rssBefore = rssMb(pid);
    let rssPeak = rssBefore;
    const crowd = await echoRounds(owner, sessionId, ROUNDS, () => {
      rssPeak = Math.max(rssPeak, rssMb(pid));
    });
    throttled.kill('SIGCONT');

    const aloneP99 = percentile(alone, 99);
    const crowdP99 = percentile(crowd, 99);
    return [
      {
        name: 'share.remote_echo_ms_p50',
        value: percentile(remote, 50),
        unit: 'ms',
        goal: '< 10 ms',
      },
      { name: 'share.remote_echo_ms_p99', value: percentile(remote, 99), unit: 'ms' },
      { name: 'share.owner_echo_alone_ms_p50', value: percentile(alone, 50), unit: 'ms' },
      { name: 'share.owner_echo_crowd_ms_p50', value: percentile(crowd, 50), unit: 'ms' },
      {
        name: 'share.fanout_owner_p99_ratio',
        value: crowdP99 / aloneP99,
        unit: 'x',
        baseline: aloneP99,
        ratio: crowdP99 / aloneP99,
        goal: '<= 1.2 (owner p99 echo with 8 viewers + 1 frozen ÷ alone)',
      },
      {
        name: 'share.fanout_agent_rss_mb',
        value: rssPeak,
        unit: 'MB',
        baseline: rssBefore,
        goal: 'flat (peak vs before the crowd)',
      },
    ];
  } finally {
    for (const child of children) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
    for (const p of participants) p.close();
    await host.close();
    await agentEnv.cleanup();
  }
}
