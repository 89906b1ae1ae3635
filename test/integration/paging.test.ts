import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, allPages, mergeIndexPages } from '../../protocol/index.js';
import type { AgentClient } from '../../native-host/client.js';
import { makeAgentEnv, spawnHost, type AgentEnv, type HostProcess } from '../fixtures/agent.js';

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

describe('replies that can grow come in pages under the frame limit', () => {
  let agentEnv: AgentEnv;
  let host: HostProcess;
  let owner: AgentClient;
  let sessionId: string;

  beforeAll(async () => {
    agentEnv = makeAgentEnv();
    host = spawnHost(agentEnv.env);
    owner = host.client;
    ({ sessionId } = await owner.request('session.open', {
      device: { kind: 'echo' },
      cols: 80,
      rows: 24,
    }));
    await owner.request('session.attach', { sessionId });
  });

  afterAll(async () => {
    await host.close();
    await agentEnv.cleanup();
  });

  it('6,000 marks give a complete recording.index through pages, each under the frame limit', async () => {
    const labels = Array.from({ length: 6000 }, (_, i) => `mark ${i} ${'é'.repeat(150)}`);
    await Promise.all(labels.map((label) => owner.request('recording.mark', { sessionId, label })));
    const { sessions } = await owner.request('session.list', {});
    const recordingId = sessions[0]?.recordingId ?? '';
    // Everything at once would not fit one frame: that is what the pages are for.
    expect(bytes(labels)).toBeGreaterThan(MAX_FRAME_BYTES);
    const pages = await allPages((cursor) =>
      owner.request(
        'recording.index',
        cursor === undefined ? { recordingId } : { recordingId, cursor },
      ),
    );
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const page of pages) expect(bytes(page)).toBeLessThan(MAX_FRAME_BYTES / 2);
    const index = mergeIndexPages(pages);
    expect(index.markers.filter((m) => m.kind === 'marker').map((m) => m.label)).toEqual(labels);
    expect(index.participants.map((p) => p.id)).toEqual([expect.stringMatching(/^local:/)]);

    const small = await allPages((cursor) =>
      owner.request(
        'recording.index',
        cursor === undefined ? { recordingId, limit: 500 } : { recordingId, cursor, limit: 500 },
      ),
    );
    for (const page of small) {
      expect(
        page.keyframes.length + page.markers.length + page.participants.length,
      ).toBeLessThanOrEqual(500);
    }
    expect(mergeIndexPages(small).markers).toEqual(index.markers);
    await expect(
      owner.request('recording.index', { recordingId, cursor: 'not-a-cursor' }),
    ).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('pages invite.list, session.list and recording.list with cursor and limit', async () => {
    const made: string[] = [];
    for (let i = 0; i < 23; i++) {
      made.push(
        (await owner.request('invite.create', { sessionId, role: 'viewer' })).invite.inviteId,
      );
    }
    const invitePages = await allPages((cursor) =>
      owner.request('invite.list', {
        sessionId,
        limit: 7,
        ...(cursor === undefined ? {} : { cursor }),
      }),
    );
    expect(invitePages.map((p) => p.invites.length)).toEqual([7, 7, 7, 2]);
    expect(invitePages.flatMap((p) => p.invites.map((i) => i.inviteId)).sort()).toEqual(
      made.sort(),
    );

    for (let i = 0; i < 3; i++) {
      await owner.request('session.open', { device: { kind: 'echo' }, cols: 80, rows: 24 });
    }
    const sessionPages = await allPages((cursor) =>
      owner.request('session.list', { limit: 2, ...(cursor === undefined ? {} : { cursor }) }),
    );
    expect(sessionPages.map((p) => p.sessions.length)).toEqual([2, 2]);
    const ids = sessionPages.flatMap((p) => p.sessions.map((s) => s.sessionId));
    expect(new Set(ids).size).toBe(4);

    const recordingPages = await allPages((cursor) =>
      owner.request('recording.list', { limit: 3, ...(cursor === undefined ? {} : { cursor }) }),
    );
    expect(recordingPages.map((p) => p.recordings.length)).toEqual([3, 1]);
    const recordings = recordingPages.flatMap((p) => p.recordings);
    expect(new Set(recordings.map((r) => r.recordingId)).size).toBe(4);
    // Newest first, across pages.
    const started = recordings.map((r) => r.startedAt);
    expect([...started].sort().reverse()).toEqual(started);
  });
});
