/**
 * Agent benchmarks: PTY flood through device → agent → host stdout against reading the same
 * PTY directly with node-pty, and echo round trip through host + agent against a bare echo
 * device. Both sides of each ratio run in this same process, one after the other. Then the
 * agent's memory once a flood is over (it idles for hours between bursts, so that is what it
 * costs the machine).
 */
import fs from 'node:fs';
import { spawn as spawnPty } from 'node-pty';
import { openEcho } from '../../native-host/devices/echo.js';
import { makeAgentEnv, spawnHost } from '../fixtures/agent.js';
import {
  FLOOD_BYTES,
  agentRssAroundFlood,
  expectedChars,
  floodThroughAgent,
  makeFloodFile,
} from './flood.js';
import { percentile, type BenchResult } from './results.js';

const ECHO_ROUNDS = 2000;
/** Floods of each kind, interleaved; the fastest of each is taken, as in recording.bench.ts. */
const ROUNDS = 3;
/** Quiet time after the flood before the agent's RSS is read. */
const IDLE_MS = 5000;

async function floodDirect(file: string, total: number): Promise<number> {
  const pty = spawnPty('/bin/sh', ['-c', `read go; cat '${file}'; read done`], {
    cols: 120,
    rows: 40,
    encoding: null,
  });
  let received = 0;
  let started = 0;
  const done = new Promise<number>((resolve) => {
    pty.onData((data: Buffer | string) => {
      if (started === 0) return;
      received += data.length;
      if (received >= total) resolve(performance.now() - started);
    });
  });
  await new Promise((r) => setTimeout(r, 200));
  started = performance.now();
  pty.write('\r');
  const ms = await done;
  pty.kill();
  return ms;
}

async function echoBare(): Promise<number[]> {
  const device = openEcho();
  const samples: number[] = [];
  let resolveOne: (() => void) | undefined;
  device.onData(() => resolveOne?.());
  for (let i = 0; i < ECHO_ROUNDS; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      resolveOne = resolve;
      device.write('k');
    });
    samples.push(performance.now() - started);
  }
  return samples;
}

async function echoThroughAgent(): Promise<number[]> {
  const agentEnv = makeAgentEnv();
  const host = spawnHost(agentEnv.env);
  try {
    const { client } = host;
    const { sessionId } = await client.request('session.open', {
      device: { kind: 'echo' },
      cols: 80,
      rows: 24,
    });
    await client.request('session.attach', { sessionId });
    let resolveOne: (() => void) | undefined;
    client.onEvent((event) => {
      if (event.type === 'session.output') {
        client.notify('session.ack', { sessionId, chars: event.data.length });
        resolveOne?.();
      }
    });
    const samples: number[] = [];
    for (let i = 0; i < ECHO_ROUNDS + 200; i++) {
      const started = performance.now();
      await new Promise<void>((resolve) => {
        resolveOne = resolve;
        client.notify('session.input', { sessionId, data: 'k' });
      });
      if (i >= 200) samples.push(performance.now() - started);
    }
    return samples;
  } finally {
    await host.close();
    await agentEnv.cleanup();
  }
}

export async function runAgentBench(): Promise<BenchResult[]> {
  const file = makeFloodFile('flood');
  try {
    const total = expectedChars(file);
    // Warm up both paths once, then measure them interleaved, best of ROUNDS each: one run of
    // each moved the ratio between 0.32 and 0.61 with the machine's load (docs/performance.md).
    await floodDirect(file, total);
    const directs: number[] = [];
    const throughs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      directs.push(await floodDirect(file, total));
      throughs.push(await floodThroughAgent(file, total));
    }
    const direct = Math.min(...directs);
    const through = Math.min(...throughs);
    const directMBs = FLOOD_BYTES / 1024 / 1024 / (direct / 1000);
    const throughMBs = FLOOD_BYTES / 1024 / 1024 / (through / 1000);

    const bare = await echoBare();
    const agent = await echoThroughAgent();
    const bareP50 = percentile(bare, 50);
    const agentP50 = percentile(agent, 50);

    const rss = await agentRssAroundFlood(file, total, IDLE_MS);
    return [
      {
        name: 'agent.flood_ratio',
        value: throughMBs / directMBs,
        unit: 'x',
        baseline: directMBs,
        ratio: throughMBs / directMBs,
        goal: '>= 0.8 (through agent MB/s ÷ direct node-pty MB/s)',
      },
      { name: 'agent.flood_mb_s', value: throughMBs, unit: 'MB/s', baseline: directMBs },
      {
        name: 'agent.echo_added_ms_p50',
        value: agentP50 - bareP50,
        unit: 'ms',
        baseline: bareP50,
        goal: '< 1 ms',
      },
      { name: 'agent.echo_ms_p99', value: percentile(agent, 99), unit: 'ms' },
      {
        name: 'agent.steady_rss_mb',
        value: rss.afterMb,
        unit: 'MB',
        baseline: rss.beforeMb,
        goal: `< 150 MB (agent RSS ${IDLE_MS / 1000} s after a 50 MB flood; baseline: before it)`,
      },
    ];
  } finally {
    fs.rmSync(file, { force: true });
  }
}
