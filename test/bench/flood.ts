/** The PTY flood both the agent and recording benchmarks measure: `cat` of a 50 MB file. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OutputFollower, makeAgentEnv, spawnHost } from '../fixtures/agent.js';

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
    const base = view.text.length;
    const started = performance.now();
    client.notify('session.input', { sessionId, data: '\r' });
    await view.waitFor((t) => t.length - base >= total, 120_000);
    const ms = performance.now() - started;
    view.text = '';
    await client.request('session.close', { sessionId });
    return ms;
  } finally {
    await host.close();
    await agentEnv.cleanup();
  }
}
