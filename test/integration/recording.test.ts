import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import headless from '@xterm/headless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../protocol/index.js';
import type { AgentClient } from '../../native-host/client.js';
import {
  OutputFollower,
  agentPid,
  makeAgentEnv,
  spawnHost,
  waitForExit,
  type AgentEnv,
  type HostProcess,
} from '../fixtures/agent.js';
import { events, readAll } from '../fixtures/recordings.js';

const { Terminal } = headless;
const user = os.userInfo().username;
const me = `local:${user}`;

function waitForEvent(
  client: AgentClient,
  test: (event: AgentEvent) => boolean,
  timeoutMs = 10_000,
): Promise<AgentEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for event')), timeoutMs);
    const off = client.onEvent((event) => {
      if (!test(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('recording', () => {
  let agentEnv: AgentEnv;
  let host: HostProcess;

  beforeAll(() => {
    agentEnv = makeAgentEnv();
    host = spawnHost(agentEnv.env);
  });
  afterAll(async () => {
    await host.close();
    await agentEnv.cleanup();
  });

  it('records a scripted session: input order and author, resize, pause gap, no password', async () => {
    const { client } = host;
    const script = [
      'read -p "Name: " n; echo hi-$n',
      'read -s -p "Password: " p; echo; echo got-$p',
      'read x; echo echo-$x',
      'read y; echo echo-$y',
    ].join('; ');
    const { sessionId } = await client.request('session.open', {
      device: { kind: 'pty', shell: '/bin/bash', args: ['--norc', '--noprofile', '-c', script] },
      cols: 80,
      rows: 24,
      name: 'scripted',
    });
    const banners: AgentEvent[] = [];
    client.onEvent((event) => {
      if (event.type === 'session.recording') banners.push(event);
    });
    const view = new OutputFollower(client, sessionId);
    const attached = await client.request('session.attach', { sessionId });
    expect(attached.session.recording).toBe('on');
    const recordingId = attached.session.recordingId ?? '';
    expect(recordingId).not.toBe('');

    await view.waitFor('Name: ');
    client.notify('session.input', { sessionId, data: 'alice\r' });
    await view.waitFor('hi-alice');
    await client.request('session.resize', { sessionId, cols: 100, rows: 30 });
    await view.waitFor('Password: ');
    await sleep(200);
    client.notify('session.input', { sessionId, data: 'hunter2\r' });
    await view.waitFor('got-hunter2');

    expect((await client.request('recording.pause', { sessionId })).recording).toBe('paused');
    client.notify('session.input', { sessionId, data: 'during\r' });
    await view.waitFor('echo-during');
    await sleep(100);
    expect((await client.request('recording.resume', { sessionId })).recording).toBe('on');
    await client.request('recording.mark', { sessionId, label: 'after the pause' });
    // Listen before the last input: the script exits right after printing echo-after.
    const exited = waitForEvent(client, (e) => e.type === 'session.exit');
    client.notify('session.input', { sessionId, data: 'after\r' });
    await view.waitFor('echo-after');
    await exited;
    await sleep(300);

    expect(banners.map((b) => (b.type === 'session.recording' ? b.state : ''))).toEqual([
      'on',
      'paused',
      'on',
    ]);

    const text = await readAll(client, recordingId, 'native');
    const header = JSON.parse(text.slice(0, text.indexOf('\n'))) as Record<string, unknown>;
    expect(header).toMatchObject({
      tandem: 'recording',
      recordingId,
      sessionId,
      name: 'scripted',
      device: { kind: 'pty', label: 'bash' },
      cols: 80,
      rows: 24,
    });
    const lines = events(text);
    const inputs = lines.filter((l) => l[1] === 'i' || l[1] === 's');
    expect(inputs).toEqual([
      [expect.any(Number), 'i', me, 'alice\r'],
      [expect.any(Number), 's', me],
      [expect.any(Number), 'i', me, 'after\r'],
    ]);
    expect(lines.some((l) => l[1] === 'i' && String(l[3]).includes('hunter2'))).toBe(false);
    const output = lines
      .filter((l) => l[1] === 'o')
      .map((l) => String(l[2]))
      .join('');
    expect(output).toContain('Password: ');
    expect(output).toContain('got-hunter2');
    expect(output).not.toContain('echo-during');
    expect(output).toContain('echo-after');
    expect(lines.find((l) => l[1] === 'r')).toEqual([expect.any(Number), 'r', 100, 30]);
    expect(lines.find((l) => l[1] === 'j')).toEqual([expect.any(Number), 'j', me, user, 'owner']);
    const codes = lines.map((l) => l[1]).filter((c) => ['pause', 'resume', 'm', 'end'].includes(c));
    expect(codes).toEqual(['pause', 'resume', 'm', 'end']);
    const times = lines.filter((l) => l[1] !== 'k').map((l) => l[0]);
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    const index = await client.request('recording.index', { recordingId });
    expect(index.live).toBe(false);
    expect(index.participants).toEqual([{ id: me, name: user }]);
    expect(index.markers.map((m) => m.kind)).toEqual(['join', 'pause', 'resume', 'marker', 'end']);
    const listed = await client.request('recording.list', {});
    expect(listed.recordings.find((r) => r.recordingId === recordingId)).toMatchObject({
      sessionId,
      name: 'scripted',
      live: false,
      bytes: Buffer.byteLength(text),
    });
  });

  it('records input at a password-like prompt when the device echoes it (no echo flag to read)', async () => {
    const { client } = host;
    // The echo device echoes everything: a password-like prompt followed by echoed input is
    // ordinary input.
    const { sessionId } = await client.request('session.open', {
      device: { kind: 'echo' },
      cols: 80,
      rows: 24,
    });
    const view = new OutputFollower(client, sessionId);
    const attached = await client.request('session.attach', { sessionId });
    client.notify('session.input', { sessionId, data: 'Password: ' });
    await view.waitFor('Password: ');
    client.notify('session.input', { sessionId, data: 'visible' });
    await view.waitFor('Password: visible');
    await client.request('session.close', { sessionId });
    await sleep(300);
    const lines = events(await readAll(client, attached.session.recordingId ?? '', 'native'));
    expect(lines.filter((l) => l[1] === 'i').map((l) => l[3])).toEqual(['Password: ', 'visible']);
  });

  it('exports asciicast v2 that asciinema plays to the same final screen', async () => {
    const { client } = host;
    const script = [
      "printf '\\033[2J\\033[H'",
      "for i in $(seq 1 40); do printf '\\033[3%dmline %d\\033[0m %s\\n' $((i % 8)) $i 'é中'; done",
      "printf '\\033[5;10H\\033[1;44mXY\\033[0m'",
      "printf '\\033[20;1H'",
      'echo end-marker',
      'sleep 1',
    ].join('; ');
    const { sessionId } = await client.request('session.open', {
      device: { kind: 'pty', shell: '/bin/bash', args: ['--norc', '--noprofile', '-c', script] },
      cols: 80,
      rows: 24,
    });
    const view = new OutputFollower(client, sessionId);
    const attached = await client.request('session.attach', { sessionId });
    expect(attached.mode).toBe('replay');
    await waitForEvent(client, (e) => e.type === 'session.exit' && e.sessionId === sessionId);
    await sleep(300);

    const live = new Terminal({ cols: 80, rows: 24, allowProposedApi: true });
    await new Promise<void>((resolve) => live.write(view.text, resolve));
    const expected = screen(
      (y) =>
        live.buffer.active.getLine(live.buffer.active.viewportY + y)?.translateToString(true) ?? '',
    );

    const cast = await readAll(client, attached.session.recordingId ?? '', 'asciicast-v2');
    const castHeader = JSON.parse(cast.slice(0, cast.indexOf('\n'))) as Record<string, unknown>;
    expect(castHeader).toMatchObject({ version: 2, width: 80, height: 24 });
    const file = path.join(agentEnv.root, 'session.cast');
    fs.writeFileSync(file, cast);
    const tmuxName = `tandem-cast-${process.pid}`;
    execFileSync('tmux', [
      'new-session',
      '-d',
      '-s',
      tmuxName,
      '-x',
      '80',
      '-y',
      '24',
      `asciinema play -s 20 ${file}; sleep 60`,
    ]);
    try {
      let shown = '';
      for (let i = 0; i < 100 && !shown.includes('end-marker'); i++) {
        await sleep(100);
        shown = execFileSync('tmux', ['capture-pane', '-p', '-t', tmuxName], { encoding: 'utf8' });
      }
      await sleep(300);
      shown = execFileSync('tmux', ['capture-pane', '-p', '-t', tmuxName], { encoding: 'utf8' });
      const played = shown.split('\n');
      expect(screen((y) => played[y] ?? '')).toEqual(expected);
      expect(expected).toContain('end-marker');
    } finally {
      execFileSync('tmux', ['kill-session', '-t', tmuxName]);
    }
  });

  it('keeps everything but the last 100 ms when the agent is killed with SIGKILL', async () => {
    const { client } = host;
    const { sessionId } = await client.request('session.open', {
      device: {
        kind: 'pty',
        shell: '/bin/bash',
        args: [
          '--norc',
          '--noprofile',
          '-c',
          'i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.002; done',
        ],
      },
      cols: 80,
      rows: 24,
    });
    const seen: { at: number; tick: number }[] = [];
    const view = new OutputFollower(client, sessionId);
    const attached = await client.request('session.attach', { sessionId });
    const off = client.onEvent((event) => {
      if (event.type !== 'session.output') return;
      const ticks = [...event.data.matchAll(/tick-(\d+)\r\n/g)];
      const last = ticks.at(-1);
      if (last !== undefined) seen.push({ at: performance.now(), tick: Number(last[1]) });
    });
    await view.waitFor('tick-300');
    const pid = agentPid(agentEnv.env) ?? 0;
    const killedAt = performance.now();
    process.kill(pid, 'SIGKILL');
    off();
    await waitForExit(pid, 5000);
    await host.exited;

    // A new agent lists the recording of the dead one and reads it.
    host = spawnHost(agentEnv.env);
    const recordingId = attached.session.recordingId ?? '';
    const text = await readAll(host.client, recordingId, 'native');
    const recorded = events(text)
      .filter((l) => l[1] === 'o')
      .map((l) => String(l[2]))
      .join('');
    const ticks = [...recorded.matchAll(/tick-(\d+)\r\n/g)].map((m) => Number(m[1]));
    const lastRecorded = ticks.at(-1) ?? 0;
    expect(ticks).toEqual(Array.from({ length: lastRecorded }, (_, i) => i + 1));
    // Everything the client had seen 100 ms before the kill is in the file.
    const before = seen.filter((s) => s.at <= killedAt - 100).at(-1)?.tick ?? 0;
    expect(before).toBeGreaterThan(100);
    expect(lastRecorded).toBeGreaterThanOrEqual(before);
    const index = await host.client.request('recording.index', { recordingId });
    expect(index.live).toBe(false);
    expect(index.participants.map((p) => p.id)).toEqual([me]);
  });
});

/** The visible rows, right-trimmed, trailing blank rows dropped. */
function screen(row: (y: number) => string): string {
  const rows: string[] = [];
  for (let y = 0; y < 24; y++) rows.push(row(y).trimEnd());
  while (rows.length > 0 && rows.at(-1) === '') rows.pop();
  return rows.join('\n');
}
