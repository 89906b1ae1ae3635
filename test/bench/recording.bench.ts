/**
 * Recording benchmarks. Throughput: the same PTY flood as agent.bench.ts through the agent,
 * recorded and not, in this one run. Replay: a generated 1-hour, 100 MB recording (keyframes
 * made by the agent's own Keyframer) opened and seeked through the agent API, each seek
 * rendered into a headless terminal here.
 */
import fs from 'node:fs';
import path from 'node:path';
import headless from '@xterm/headless';
import type { RecordingIndex } from '../../protocol/index.js';
import type { AgentClient } from '../../native-host/client.js';
import {
  FILE_SUFFIX,
  Keyframer,
  encodeEvent,
  encodeHeader,
  type RecordingEvent,
} from '../../native-host/recording/index.js';
import { agentPid, makeAgentEnv, recordingsDir, spawnHost } from '../fixtures/agent.js';
import { FLOOD_BYTES, expectedChars, floodThroughAgent, makeFloodFile } from './flood.js';
import { percentile, type BenchResult } from './results.js';

const { Terminal } = headless;
const RECORDING_BYTES = 100 * 1024 * 1024;
const RECORDING_MS = 60 * 60 * 1000;
const SEEKS = 50;

/** A shell-like hour: prompts, coloured listings, long lines that wrap, some full redraws. */
export async function generateRecording(dir: string): Promise<string> {
  const recordingId = 'bench-hour';
  const file = path.join(dir, `${recordingId}${FILE_SUFFIX}`);
  fs.mkdirSync(dir, { recursive: true });
  const header = encodeHeader({
    tandem: 'recording',
    version: 1,
    recordingId,
    sessionId: 'bench',
    name: 'bench hour',
    device: { kind: 'pty', label: 'bash' },
    startedAt: new Date(Date.now() - RECORDING_MS).toISOString(),
    cols: 120,
    rows: 40,
    agent: 'bench',
  });
  fs.writeFileSync(file, header);
  const fd = fs.openSync(file, 'a');
  let bytes = Buffer.byteLength(header);
  const keyframer = new Keyframer(file, bytes, 120, 40);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'kernel', 'route', 'vlan', 'eth0', 'ok', '√'];
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const events = Math.round((RECORDING_BYTES * 0.82) / 3000);
  let pending: string[] = [];
  let sinceKeyframes = 0;
  const flush = async (): Promise<void> => {
    const text = pending.join('');
    pending = [];
    bytes += fs.writeSync(fd, text);
    for (const k of await keyframer.advance(bytes)) {
      const line = encodeEvent([k.at, 'k', k.at, k.eventsOffset, k.cols, k.rows, k.data]);
      bytes += fs.writeSync(fd, line);
    }
  };
  for (let i = 0; i < events; i++) {
    const t = Math.round((i / events) * RECORDING_MS);
    let data = `\x1b[32muser@host\x1b[0m:\x1b[34m~\x1b[0m$ cmd ${i}\r\n`;
    if (i % 500 === 0) data += '\x1b[2J\x1b[H';
    while (data.length < 2900) {
      const color = 30 + Math.floor(random() * 8);
      let line = `\x1b[${color}m${String(i).padStart(7)}\x1b[0m`;
      const n = 5 + Math.floor(random() * 30);
      for (let w = 0; w < n; w++) line += ' ' + words[Math.floor(random() * words.length)];
      data += line + '\r\n';
    }
    const event: RecordingEvent = [t, 'o', data];
    const line = encodeEvent(event);
    pending.push(line);
    sinceKeyframes += line.length;
    if (sinceKeyframes >= 256 * 1024) {
      sinceKeyframes = 0;
      await flush();
    }
  }
  await flush();
  fs.writeSync(fd, encodeEvent([RECORDING_MS, 'end', 'bench']));
  fs.closeSync(fd);
  keyframer.close();
  return recordingId;
}

/** Reads native text from `offset` until `stop` says enough (whole lines). */
async function readLines(
  client: AgentClient,
  recordingId: string,
  offset: number,
  stop: (line: string) => boolean,
): Promise<string[]> {
  const lines: string[] = [];
  let carry = '';
  for (;;) {
    const chunk = await client.request('recording.read', {
      recordingId,
      format: 'native',
      offset,
      length: 256 * 1024,
    });
    const parts = (carry + chunk.data).split('\n');
    carry = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (stop(line)) return lines;
    }
    if (chunk.eof) return lines;
    offset = chunk.nextOffset;
  }
}

function write(terminal: InstanceType<typeof Terminal>, data: string): Promise<void> {
  return new Promise((resolve) => terminal.write(data, resolve));
}

async function seek(
  client: AgentClient,
  recordingId: string,
  index: Index,
  t: number,
): Promise<void> {
  const keyframe = [...index.keyframes].reverse().find((k) => k.t <= t);
  const terminal = new Terminal({ cols: index.cols, rows: index.rows, allowProposedApi: true });
  let from = index.eventsOffset;
  if (keyframe !== undefined) {
    const [line] = await readLines(client, recordingId, keyframe.offset, () => true);
    const event = JSON.parse(line ?? '[]') as unknown[];
    terminal.resize(Number(event[4]), Number(event[5]));
    await write(terminal, String(event[6]));
    from = keyframe.eventsOffset;
  }
  const lines = await readLines(
    client,
    recordingId,
    from,
    (line) => Number(/^\[(\d+)/.exec(line)?.[1]) > t,
  );
  let text = '';
  for (const line of lines) {
    const event = JSON.parse(line) as unknown[];
    if (Number(event[0]) > t) break;
    if (event[1] === 'o') text += String(event[2]);
  }
  await write(terminal, text);
  terminal.dispose();
}

type Index = RecordingIndex;

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export async function runRecordingBench(): Promise<BenchResult[]> {
  const file = makeFloodFile('rec-flood');
  const total = expectedChars(file);
  const off: number[] = [];
  const on: number[] = [];
  try {
    await floodThroughAgent(file, total, { record: false }); // warm up
    for (let i = 0; i < 3; i++) {
      off.push(await floodThroughAgent(file, total, { record: false }));
      on.push(await floodThroughAgent(file, total, { record: true }));
    }
  } finally {
    fs.rmSync(file, { force: true });
  }
  const offMBs = FLOOD_BYTES / 1024 / 1024 / (Math.min(...off) / 1000);
  const onMBs = FLOOD_BYTES / 1024 / 1024 / (Math.min(...on) / 1000);

  const agentEnv = makeAgentEnv();
  const dir = recordingsDir(agentEnv.env);
  const recordingId = await generateRecording(dir);
  const size = fs.statSync(path.join(dir, `${recordingId}${FILE_SUFFIX}`)).size;
  const host = spawnHost(agentEnv.env);
  try {
    const { client } = host;
    await client.request('hello', { client: { name: 'bench' }, protocol: 1 });
    const opened = performance.now();
    const index = await client.request('recording.index', { recordingId });
    await seek(client, recordingId, index, 0);
    const openMs = performance.now() - opened;
    const samples: number[] = [];
    let seed = 3;
    for (let i = 0; i < SEEKS; i++) {
      seed = (seed * 48271) % 2147483647;
      const t = (seed / 2147483647) * index.durationMs;
      const started = performance.now();
      await seek(client, recordingId, index, t);
      samples.push(performance.now() - started);
    }
    const rss = peakRssMb(agentPid(agentEnv.env) ?? 0);
    return [
      {
        name: 'recording.throughput_ratio',
        value: onMBs / offMBs,
        unit: 'x',
        baseline: offMBs,
        ratio: onMBs / offMBs,
        goal: '>= 0.95 (PTY flood MB/s recorded ÷ not recorded)',
      },
      { name: 'recording.flood_mb_s', value: onMBs, unit: 'MB/s', baseline: offMBs },
      {
        name: 'replay.open_ms',
        value: openMs,
        unit: 'ms',
        goal: `index + first screen of a ${Math.round(size / 1024 / 1024)} MB, 1-hour recording`,
      },
      { name: 'replay.seek_ms_p50', value: percentile(samples, 50), unit: 'ms' },
      { name: 'replay.seek_ms_p95', value: percentile(samples, 95), unit: 'ms', goal: '< 200 ms' },
      { name: 'replay.agent_rss_mb', value: rss, unit: 'MB', goal: '< 150 MB (peak)' },
    ];
  } finally {
    await host.close();
    await agentEnv.cleanup();
  }
}
