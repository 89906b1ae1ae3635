/** The PTY flood both the agent and recording benchmarks measure: `cat` of a 50 MB file. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentClient } from '../../native-host/client.js';
import { OutputFollower, agentPid, makeAgentEnv, spawnHost } from '../fixtures/agent.js';

export const FLOOD_BYTES = 50 * 1024 * 1024;

/** 50 MB of 70-character lines; the caller removes it. */
export function makeFloodFile(name: string): string {
  const file = path.join(os.tmpdir(), `tandem-${name}-${process.pid}.txt`);
  const line = 'The quick brown fox jumps over the lazy dog 0123456789 ~!@#$%^&*()_+\n';
  const block = line.repeat(Math.ceil((1024 * 1024) / line.length)).slice(0, 1024 * 1024);
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < FLOOD_BYTES / block.length; i++) fs.writeSync(fd, block);
  fs.closeSync(fd);
  return file;
}

/** PTYs turn \n into \r\n: a reader waits for the file's bytes plus one CR per line. */
export function expectedChars(file: string): number {
  const text = fs.readFileSync(file, 'latin1');
  let lines = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
  return text.length + lines;
}

/** A session whose PTY `cat`s the file on the first keystroke, followed by a fast panel. */
async function openFlood(
  client: AgentClient,
  file: string,
  options: { record?: boolean },
): Promise<{ sessionId: string; view: OutputFollower }> {
  const { sessionId } = await client.request('session.open', {
    device: {
      kind: 'pty',
      shell: '/bin/sh',
      args: ['-c', `stty -echo; read go; cat '${file}'; read done`],
    },
    cols: 120,
    rows: 40,
    ...(options.record === undefined ? {} : { record: options.record }),
  });
  const view = new OutputFollower(client, sessionId);
  await client.request('session.attach', { sessionId });
  await new Promise((r) => setTimeout(r, 200));
  return { sessionId, view };
}

/** Starts the flood and waits until the view has all `total` characters of it. */
async function flood(
  client: AgentClient,
  sessionId: string,
  view: OutputFollower,
  total: number,
): Promise<void> {
  const base = view.text.length;
  client.notify('session.input', { sessionId, data: '\r' });
  await view.waitFor((t) => t.length - base >= total, 120_000);
  view.text = '';
}

/**
 * Milliseconds from the keystroke that starts `cat` to the last character reaching a client of
 * `tandem-agent host` that acknowledges everything it reads (a fast panel).
 */
export async function floodThroughAgent(
  file: string,
  total: number,
  options: { record?: boolean } = {},
): Promise<number> {
  const agentEnv = makeAgentEnv();
  const host = spawnHost(agentEnv.env);
  try {
    const { client } = host;
    const { sessionId, view } = await openFlood(client, file, options);
    const started = performance.now();
    await flood(client, sessionId, view, total);
    const ms = performance.now() - started;
    await client.request('session.close', { sessionId });
    return ms;
  } finally {
    await host.close();
    await agentEnv.cleanup();
  }
}

/**
 * The agent's RSS in MB with the flood's session open (recorded, as by default): before the
 * flood, and `idleMs` after its last character reached the view. The session stays open, so
 * its screen, scrollback and replay buffer are part of the second figure, as in real use.
 */
export async function agentRssAroundFlood(
  file: string,
  total: number,
  idleMs: number,
): Promise<{ beforeMb: number; afterMb: number }> {
  const agentEnv = makeAgentEnv();
  const host = spawnHost(agentEnv.env);
  try {
    const { client } = host;
    const { sessionId, view } = await openFlood(client, file, {});
    const pid = agentPid(agentEnv.env);
    if (pid === undefined) throw new Error('the agent wrote no pid file');
    const beforeMb = rssMb(pid);
    await flood(client, sessionId, view, total);
    await new Promise((r) => setTimeout(r, idleMs));
    const afterMb = rssMb(pid);
    await client.request('session.close', { sessionId });
    return { beforeMb, afterMb };
  } finally {
    await host.close();
    await agentEnv.cleanup();
  }
}

/** Resident memory of a live process, from /proc (Linux). */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}
