import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FILE_SUFFIX,
  encodeEvent,
  encodeHeader,
  type RecordingEvent,
} from '../../native-host/recording/index.js';
import {
  makeAgentEnv,
  recordingsDir,
  spawnHost,
  type AgentEnv,
  type HostProcess,
} from '../fixtures/agent.js';

const DAY_MS = 86_400_000;

/** A finished recording left by an earlier agent: `ageDays` old, about `bytes` big. */
function oldRecording(dir: string, ageDays: number, bytes: number): string {
  const recordingId = randomUUID();
  const startedAt = new Date(Date.now() - ageDays * DAY_MS).toISOString();
  const events: RecordingEvent[] = [
    [10, 'o', 'x'.repeat(Math.max(0, bytes - 300))],
    [20, 'end', 'closed'],
  ];
  const text =
    encodeHeader({
      tandem: 'recording',
      version: 1,
      recordingId,
      sessionId: randomUUID(),
      name: `${ageDays} days old`,
      device: { kind: 'echo', label: 'echo' },
      startedAt,
      cols: 80,
      rows: 24,
      agent: '0.1.0',
    }) + events.map(encodeEvent).join('');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${recordingId}${FILE_SUFFIX}`), text, { mode: 0o600 });
  return recordingId;
}

function agentLog(env: AgentEnv): string {
  return fs.readFileSync(path.join(env.env.XDG_STATE_HOME ?? '', 'tandem', 'agent.log'), 'utf8');
}

describe('recordings have a default budget (30 days, 2 GiB): oldest finished first, never a live one', () => {
  let agentEnv: AgentEnv | undefined;
  let host: HostProcess | undefined;

  afterEach(async () => {
    await host?.close();
    await agentEnv?.cleanup();
  });

  it('deletes finished recordings older than 30 days without being told to, and logs it', async () => {
    agentEnv = makeAgentEnv();
    const dir = recordingsDir(agentEnv.env);
    const expired = oldRecording(dir, 40, 2000);
    const kept = oldRecording(dir, 20, 2000);
    host = spawnHost(agentEnv.env);
    const settings = await host.client.request('recording.settings', {});
    expect(settings).toEqual({ enabled: true, maxAgeDays: 30, maxTotalBytes: 2 * 1024 ** 3 });
    const ids = (await host.client.request('recording.list', {})).recordings.map(
      (r) => r.recordingId,
    );
    expect(ids).toContain(kept);
    expect(ids).not.toContain(expired);
    expect(fs.existsSync(path.join(dir, `${expired}${FILE_SUFFIX}`))).toBe(false);
    expect(agentLog(agentEnv)).toContain(`"event":"recording.expired","recording":"${expired}"`);
  });

  it('keeps the total under a size budget from the config file, oldest first, the live one kept', async () => {
    agentEnv = makeAgentEnv();
    const dir = recordingsDir(agentEnv.env);
    const oldest = oldRecording(dir, 3, 40_000);
    const middle = oldRecording(dir, 2, 40_000);
    const newest = oldRecording(dir, 1, 40_000);
    // Only the size is set: the age limit keeps its default.
    const config = path.join(agentEnv.env.XDG_CONFIG_HOME ?? '', 'tandem');
    fs.mkdirSync(config, { recursive: true });
    fs.writeFileSync(
      path.join(config, 'recording.json'),
      JSON.stringify({ maxTotalBytes: 100_000 }),
    );
    host = spawnHost(agentEnv.env);
    const { client } = host;
    expect(await client.request('recording.settings', {})).toMatchObject({
      maxAgeDays: 30,
      maxTotalBytes: 100_000,
    });
    const listed = async (): Promise<string[]> =>
      (await client.request('recording.list', {})).recordings.map((r) => r.recordingId);
    expect(await listed()).toEqual([newest, middle]);

    // A live recording larger than the whole budget is never deleted; finished ones make room.
    const { sessionId } = await client.request('session.open', {
      device: { kind: 'echo' },
      cols: 80,
      rows: 24,
    });
    await client.request('session.attach', { sessionId });
    await client.request('session.input', { sessionId, data: 'z'.repeat(120_000) });
    await new Promise((r) => setTimeout(r, 300));
    await client.request('recording.settings', { maxTotalBytes: 100_000 });
    const live = (await client.request('session.list', {})).sessions[0]?.recordingId;
    expect(await listed()).toEqual([live]);
    expect(fs.existsSync(path.join(dir, `${oldest}${FILE_SUFFIX}`))).toBe(false);
  });
});
