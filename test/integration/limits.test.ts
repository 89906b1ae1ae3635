import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allPages,
  mergeIndexPages,
  type AgentEvent,
  type JoinResult,
  type Role,
} from '../../protocol/index.js';
import type { AgentClient } from '../../native-host/client.js';
import {
  OutputFollower,
  makeAgentEnv,
  spawnHost,
  type AgentEnv,
  type HostProcess,
} from '../fixtures/agent.js';
import {
  joinAs,
  Participant,
  parseInviteUrl,
  type InviteLink,
  until,
} from '../fixtures/participant.js';

/** What a batch of requests came to: how many were answered, and the errors of the others. */
async function tally(requests: Promise<unknown>[]): Promise<{ ok: number; errors: unknown[] }> {
  const settled = await Promise.allSettled(requests);
  const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
  return { ok: settled.length - errors.length, errors };
}

function codes(errors: unknown[]): string[] {
  return [
    ...new Set(
      errors.map((e) =>
        typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : String(e),
      ),
    ),
  ];
}

describe('per-participant rate limits, over real peers', () => {
  let agentEnv: AgentEnv;
  let host: HostProcess;
  let owner: AgentClient;
  let sessionId: string;
  let ownerView: OutputFollower;
  const ownerEvents: AgentEvent[] = [];
  const participants: Participant[] = [];

  async function invite(role: Exclude<Role, 'owner'>, lobby = false): Promise<InviteLink> {
    const { url } = await owner.request('invite.create', { sessionId, role, lobby });
    return parseInviteUrl(url);
  }

  const join = (
    link: InviteLink,
    name: string,
    rejoin?: JoinResult,
  ): Promise<{ p: Participant; joined: JoinResult }> => joinAs(link, name, participants, rejoin);

  async function currentSeq(): Promise<number> {
    const { sessions } = await owner.request('session.list', {});
    return sessions.find((s) => s.sessionId === sessionId)?.seq ?? 0;
  }

  beforeAll(async () => {
    agentEnv = makeAgentEnv();
    host = spawnHost(agentEnv.env);
    owner = host.client;
    owner.onEvent((event) => ownerEvents.push(event));
    ({ sessionId } = await owner.request('session.open', {
      device: { kind: 'echo' },
      cols: 80,
      rows: 24,
    }));
    ownerView = new OutputFollower(owner, sessionId);
    await owner.request('session.attach', { sessionId });
  });

  afterAll(async () => {
    ownerView.stop();
    for (const p of participants) p.close();
    await host.close();
    await agentEnv.cleanup();
  });

  it("refuses a viewer's repeated session.attach once over budget, and nothing else changes", async () => {
    const { p: viewer } = await join(await invite('viewer'), 'Attacher');
    const fromSeq = (await currentSeq()) + 1;
    const { ok, errors } = await tally(
      Array.from({ length: 40 }, () => viewer.request('session.attach', { sessionId, fromSeq })),
    );
    // A burst of 10, then one every 2 s: a script gets a handful, a person never notices.
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(ok).toBeLessThanOrEqual(12);
    expect(codes(errors)).toEqual(['rate_limited']);
    expect(String(errors[0])).toMatch(/attaching to the session too fast — wait \d+ s/);
    // Still attached, still served, and the connection stayed up.
    const seen: string[] = [];
    viewer.onEvent((e) => {
      if (e.type === 'session.output' && e.sessionId === sessionId) seen.push(e.data);
    });
    owner.notify('session.input', { sessionId, data: 'still-served\r' });
    await until(() => seen.join('').includes('still-served'), 'output after refusals');
    expect((await viewer.request('session.list', {})).sessions).toHaveLength(1);
  });

  it('bounds the snapshots built at once for one participant', async () => {
    // Push the first output out of the 2 MiB replay buffer: every fresh attach needs a snapshot.
    const chunk = 'x'.repeat(200 * 1024);
    for (let i = 0; i < 12; i++) owner.notify('session.input', { sessionId, data: chunk });
    const target = (await currentSeq()) + 1;
    await ownerView.waitFor(() => ownerView.text.length >= 12 * chunk.length, 30_000);
    expect(target).toBeGreaterThan(1);
    const { p: viewer } = await join(await invite('viewer'), 'Snapshotter');
    const snapshots: number[] = [];
    viewer.onEvent((e) => {
      if (e.type === 'session.snapshot' && e.final) snapshots.push(e.seq);
    });
    const { ok, errors } = await tally(
      Array.from({ length: 8 }, () => viewer.request('session.attach', { sessionId })),
    );
    expect(ok).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(codes(errors)).toEqual(['rate_limited']);
    expect(String(errors[0])).toMatch(/still being prepared/);
    // The attaches that were answered got their snapshot; none was lost.
    await until(() => snapshots.length >= 1, 'a snapshot');
  });

  it('shares one budget between all links of the same person (chat)', async () => {
    const link = await invite('viewer');
    const { p: first, joined } = await join(link, 'Chatty');
    const { p: second } = await join(link, 'Chatty', joined);
    await first.request('session.attach', { sessionId });
    await second.request('session.attach', { sessionId });
    const before = ownerEvents.length;
    const { ok, errors } = await tally([
      ...Array.from({ length: 8 }, (_, i) =>
        first.request('chat.send', { sessionId, text: `a${i}` }),
      ),
      ...Array.from({ length: 8 }, (_, i) =>
        second.request('chat.send', { sessionId, text: `b${i}` }),
      ),
    ]);
    expect(ok).toBeLessThanOrEqual(12);
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(codes(errors)).toEqual(['rate_limited']);
    expect(String(errors[0])).toMatch(/sending chat messages too fast/);
    await new Promise((r) => setTimeout(r, 300));
    const chats = ownerEvents
      .slice(before)
      .filter((e) => e.type === 'session.chat' && e.from.id === joined.participantId);
    expect(chats).toHaveLength(ok);
  });

  it('limits keyboard requests: the owner is asked a few times, not flooded', async () => {
    const { p: viewer, joined } = await join(await invite('viewer'), 'Asker');
    await viewer.request('session.attach', { sessionId });
    const before = ownerEvents.length;
    const { ok, errors } = await tally(
      Array.from({ length: 10 }, () => viewer.request('keyboard.request', { sessionId })),
    );
    expect(ok).toBe(3);
    expect(codes(errors)).toEqual(['rate_limited']);
    await new Promise((r) => setTimeout(r, 300));
    const asks = ownerEvents
      .slice(before)
      .filter(
        (e) =>
          e.type === 'session.notice' &&
          e.kind === 'keyboard-request' &&
          e.participant.id === joined.participantId,
      );
    expect(asks).toHaveLength(3);
  });

  it("limits a co-worker's recording.mark, and recording.index keeps answering", async () => {
    const { p: coworker, joined } = await join(await invite('coworker'), 'Marker');
    await coworker.request('session.attach', { sessionId });
    const { ok, errors } = await tally(
      Array.from({ length: 1000 }, (_, i) =>
        coworker.request('recording.mark', { sessionId, label: `spam ${i} ${'m'.repeat(180)}` }),
      ),
    );
    expect(ok).toBeGreaterThanOrEqual(20);
    expect(ok).toBeLessThanOrEqual(25);
    expect(codes(errors)).toEqual(['rate_limited']);
    expect(String(errors[0])).toMatch(/adding markers too fast/);
    const { sessions } = await owner.request('session.list', {});
    const recordingId = sessions.find((s) => s.sessionId === sessionId)?.recordingId ?? '';
    const index = mergeIndexPages(
      await allPages((cursor) =>
        owner.request(
          'recording.index',
          cursor === undefined ? { recordingId } : { recordingId, cursor },
        ),
      ),
    );
    expect(index.markers.filter((m) => m.label.startsWith('spam '))).toHaveLength(ok);
    expect(index.participants.map((p) => p.id)).toContain(joined.participantId);
  });

  it('limits knocks on a lobby: a few wait for the owner, the rest are told to slow down', async () => {
    const link = await invite('viewer', true);
    const knockers = await Promise.all(Array.from({ length: 13 }, () => Participant.connect(link)));
    participants.push(...knockers);
    const before = ownerEvents.length;
    const joins = knockers.map((p, i) => p.join(link, `Knocker ${i}`));
    const refused = (
      await Promise.all(
        joins.map((j) =>
          Promise.race([
            j.then(
              () => undefined,
              (e: unknown) => e,
            ),
            new Promise((r) => setTimeout(r, 2000)).then(() => undefined),
          ]),
        ),
      )
    ).filter((e) => e !== undefined);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(codes(refused)).toEqual(['rate_limited']);
    expect(String(refused[0])).toMatch(/knocking on this lobby too fast/);
    const asks = ownerEvents
      .slice(before)
      .filter((e) => e.type === 'session.notice' && e.kind === 'lobby');
    expect(asks).toHaveLength(13 - refused.length);
    for (const p of knockers) p.close();
    for (const j of joins) j.catch(() => undefined);
  });

  it("never throttles the owner's own views in normal use", async () => {
    const fromSeq = (await currentSeq()) + 1;
    const { errors } = await tally([
      ...Array.from({ length: 60 }, () => owner.request('session.attach', { sessionId, fromSeq })),
      ...Array.from({ length: 60 }, (_, i) =>
        owner.request('recording.mark', { sessionId, label: `owner ${i}` }),
      ),
      ...Array.from({ length: 30 }, (_, i) =>
        owner.request('chat.send', { sessionId, text: `owner ${i}` }),
      ),
    ]);
    expect(errors).toEqual([]);
  });
});
