import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent, EventMap } from '../../protocol/index.js';
import { AgentClient } from '../../native-host/client.js';
import { EXTENSION_ID } from '../../native-host/extension-id.js';
import { AGENT_BIN, OutputFollower, makeAgentEnv, type AgentEnv } from '../fixtures/agent.js';
import { Participant, parseInviteUrl } from '../fixtures/participant.js';

/**
 * The agent's data folder (where recordings go) is a 2 MiB tmpfs, mounted in a private mount
 * namespace of the native host and so of the agent it starts: writes there really fail with
 * ENOSPC. Everything else (socket, logs, config) stays on the ordinary disk.
 */
function spawnHostOnSmallDisk(env: NodeJS.ProcessEnv): {
  child: ChildProcessWithoutNullStreams;
  client: AgentClient;
  stderr: () => string;
} {
  const script = [
    'set -e',
    'mount -t tmpfs -o size=2m,mode=0700 tmpfs "$XDG_DATA_HOME"',
    // Most of it taken already: the recording has a few hundred KiB left.
    'dd if=/dev/zero of="$XDG_DATA_HOME/filler" bs=1024 count=1700 2>/dev/null',
    `exec "$TANDEM_NODE" "$TANDEM_AGENT_BIN" host chrome-extension://${EXTENSION_ID}/`,
  ].join('\n');
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
    env: { ...env, TANDEM_NODE: process.execPath, TANDEM_AGENT_BIN: AGENT_BIN },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, client: new AgentClient(child.stdout, child.stdin), stderr: () => stderr };
}

type RecordingEvent = EventMap['session.recording'];

function recordingEvents(events: AgentEvent[], sessionId: string): RecordingEvent[] {
  return events.flatMap((e) =>
    e.type === 'session.recording' && e.sessionId === sessionId ? [e] : [],
  );
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a full disk stops recording, never the terminal (real ENOSPC on a 2 MiB tmpfs)', () => {
  let agentEnv: AgentEnv;
  let host: ReturnType<typeof spawnHostOnSmallDisk>;
  let owner: AgentClient;
  let coworker: Participant | undefined;

  beforeAll(() => {
    agentEnv = makeAgentEnv();
    host = spawnHostOnSmallDisk(agentEnv.env);
    owner = host.client;
  });

  afterAll(async () => {
    coworker?.close();
    host.child.stdin.end();
    await agentEnv.cleanup();
  });

  it('tells everyone with a banner, keeps echoing input, and the agent stays healthy', async () => {
    const ownerEvents: AgentEvent[] = [];
    owner.onEvent((e) => ownerEvents.push(e));
    const { sessionId } = await owner.request('session.open', {
      device: { kind: 'echo' },
      cols: 80,
      rows: 24,
    });
    const ownerView = new OutputFollower(owner, sessionId);
    await owner.request('session.attach', { sessionId });
    const recordingId = (await owner.request('session.list', {})).sessions[0]?.recordingId;
    expect(recordingId).toBeDefined();

    const { url } = await owner.request('invite.create', { sessionId, role: 'coworker' });
    const link = parseInviteUrl(url);
    coworker = await Participant.connect(link);
    await coworker.join(link, 'Cole');
    const coworkerEvents: AgentEvent[] = [];
    let coworkerText = '';
    coworker.onEvent((e) => {
      coworkerEvents.push(e);
      if (e.type === 'session.output') coworkerText += e.data;
    });
    await coworker.request('session.attach', { sessionId });

    // Type until the disk is full: every keystroke is answered, none with `internal`.
    const stopped = (): boolean =>
      recordingEvents(ownerEvents, sessionId).some((e) => e.stopped !== undefined);
    const block = 'y'.repeat(64 * 1024);
    for (let i = 0; i < 80 && !stopped(); i++) {
      await owner.request('session.input', { sessionId, data: block });
      await coworker.request('session.input', { sessionId, data: block.slice(0, 1024) });
      await new Promise((r) => setTimeout(r, 60));
    }
    await until(stopped, 'the recording-stopped banner');
    const banner = { state: 'off', recordingId, stopped: 'Recording stopped: the disk is full' };
    expect(recordingEvents(ownerEvents, sessionId).at(-1)).toMatchObject(banner);
    await until(
      () => recordingEvents(coworkerEvents, sessionId).some((e) => e.stopped !== undefined),
      "the co-worker's banner",
    );
    expect(recordingEvents(coworkerEvents, sessionId).at(-1)).toMatchObject(banner);

    // The terminal carries on: input reaches the device and its echo reaches everyone.
    await owner.request('session.input', { sessionId, data: 'after-full-owner\r' });
    await coworker.request('session.input', { sessionId, data: 'after-full-cole\r' });
    await ownerView.waitFor((t) => t.includes('after-full-owner') && t.includes('after-full-cole'));
    await until(() => coworkerText.includes('after-full-owner'), "the co-worker's echo");

    // The agent is healthy: it answers, lists, refuses to resume with a clear message.
    await owner.request('hello', { client: { name: 'full-disk test' }, protocol: 1 });
    const info = (await owner.request('session.list', {})).sessions.find(
      (s) => s.sessionId === sessionId,
    );
    expect(info).toMatchObject({ state: 'running', recording: 'off' });
    await expect(owner.request('recording.resume', { sessionId })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/the disk is full — free some space/) as unknown,
    });
    const { recordings } = await owner.request('recording.list', {});
    expect(recordings.find((r) => r.recordingId === recordingId)).toMatchObject({ live: false });

    // A session opened on the full disk works too; its recording says why it is off.
    const fresh = await owner.request('session.open', {
      device: { kind: 'echo' },
      cols: 80,
      rows: 24,
    });
    const freshView = new OutputFollower(owner, fresh.sessionId);
    await owner.request('session.attach', { sessionId: fresh.sessionId });
    await owner.request('session.input', { sessionId: fresh.sessionId, data: 'fresh-echo\r' });
    await freshView.waitFor('fresh-echo');
    await until(
      () => recordingEvents(ownerEvents, fresh.sessionId).some((e) => e.stopped !== undefined),
      'the new session’s banner',
    );

    const log = fs.readFileSync(
      path.join(agentEnv.env.XDG_STATE_HOME ?? '', 'tandem', 'agent.log'),
      'utf8',
    );
    expect(log).toMatch(/"event":"recording.write_failed".*"code":"ENOSPC"/);
    expect(log).not.toMatch(/"event":"request.failed"/);
    expect(host.stderr()).toBe('');
  });
});
