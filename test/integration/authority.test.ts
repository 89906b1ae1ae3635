/**
 * Who may do what in a shared session, tried as an attacker would: over real PeerJS peers
 * through the agent's real relay, on links attached to the session and links that are not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PROTOCOL_VERSION,
  type AgentEvent,
  type JoinResult,
  type RequestMap,
  type RequestType,
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
  lobbyKnock,
  parseInviteUrl,
  until,
  type InviteLink,
} from '../fixtures/participant.js';

/** The outcome of one request: `ok`, or the error code the agent answered with. */
async function outcome(p: Participant, type: RequestType, fields: object): Promise<string> {
  try {
    await p.request(type, fields as RequestMap[typeof type]);
    return 'ok';
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error) return String(error.code);
    return error instanceof Error ? error.message : String(error);
  }
}

describe('authority over shared sessions: identities, live roles, removal, revocation', () => {
  let agentEnv: AgentEnv;
  let host: HostProcess;
  let owner: AgentClient;
  let sessionId: string;
  let ownerView: OutputFollower;
  const ownerEvents: AgentEvent[] = [];
  const participants: Participant[] = [];

  async function invite(
    role: 'viewer' | 'coworker' | 'owner',
    extra: { lobby?: boolean; ttlMs?: number } = {},
  ): Promise<InviteLink> {
    const { url } = await owner.request('invite.create', { sessionId, role, ...extra });
    return parseInviteUrl(url);
  }

  async function connect(link: InviteLink): Promise<Participant> {
    const p = await Participant.connect(link);
    participants.push(p);
    return p;
  }

  const join = (
    link: InviteLink,
    name: string,
    rejoin?: JoinResult,
  ): Promise<{ p: Participant; joined: JoinResult }> => joinAs(link, name, participants, rejoin);

  let fences = 0;

  /** Types a marker as `p` and reports whether the owner's terminal ever shows it. */
  async function reachesDevice(p: Participant, marker: string): Promise<string> {
    const result = await outcome(p, 'session.input', {
      sessionId,
      data: `echo ${marker}-$((6*7))\r`,
    });
    // The owner's own line afterwards: once it is back, anything typed before it would be too.
    fences += 1;
    const fence = `fence${fences}`;
    owner.notify('session.input', { sessionId, data: `echo ${fence}-$((6*7))\r` });
    await ownerView.waitFor((t) => t.includes(`${fence}-42`));
    return ownerView.text.includes(`${marker}-42`) ? `${result}, typed` : `${result}, not typed`;
  }

  beforeAll(async () => {
    agentEnv = makeAgentEnv();
    host = spawnHost(agentEnv.env);
    owner = host.client;
    ({ sessionId } = await owner.request('session.open', {
      device: { kind: 'pty', shell: '/bin/bash', args: ['--norc', '--noprofile'] },
      cols: 100,
      rows: 30,
    }));
    owner.onEvent((event) => ownerEvents.push(event));
    ownerView = new OutputFollower(owner, sessionId);
    await owner.request('session.attach', { sessionId });
    owner.notify('session.input', { sessionId, data: "PS1='$ '\r" });
    await ownerView.waitFor('$ ');
  });

  afterAll(async () => {
    for (const p of participants) p.close();
    await host.close();
    await agentEnv.cleanup();
  });

  it('refuses a re-join that borrows another participant’s public id, with or without a secret of its own', async () => {
    const victimLink = await invite('coworker');
    const { joined: victim } = await join(victimLink, 'Cora');
    expect(victim.rejoinSecret).toMatch(/^[\w-]{32}$/);
    const viewerLink = await invite('viewer');
    const { joined: attacker } = await join(viewerLink, 'Vic');

    // The attack: my own viewer link plus the co-worker's id, which every participant sees.
    const borrowed = await connect(viewerLink);
    await expect(
      borrowed.join(viewerLink, 'Vic', { participantId: victim.participantId }),
    ).rejects.toMatchObject({ code: 'unauthorized' });
    const withMine = await connect(viewerLink);
    await expect(
      withMine.join(viewerLink, 'Vic', {
        participantId: victim.participantId,
        rejoinSecret: attacker.rejoinSecret,
      }),
    ).rejects.toMatchObject({ code: 'unauthorized' });
    // A lobby link cannot be skipped that way either.
    const lobbyLink = await invite('viewer', { lobby: true });
    const skipper = await connect(lobbyLink);
    await expect(
      skipper.join(lobbyLink, 'Vic', { participantId: victim.participantId }),
    ).rejects.toMatchObject({ code: 'unauthorized' });

    // The victim's own secret still brings the victim back, as the co-worker it is.
    const { joined: back } = await join(victimLink, 'Cora', victim);
    expect(back).toMatchObject({ participantId: victim.participantId, role: 'coworker' });
    expect(back.rejoinSecret).toBeUndefined();
  });

  it('removes a person from every link at once, attached or not, and for good', async () => {
    const link = await invite('coworker');
    const { p: attached, joined: rick } = await join(link, 'Rick');
    await attached.request('session.attach', { sessionId });
    // A second connection of the same person that never attaches.
    const { p: unattached } = await join(link, 'Rick', rick);
    expect(await reachesDevice(unattached, 'before-removal')).toBe('ok, typed');

    await owner.request('participant.remove', { sessionId, participantId: rick.participantId });
    // Whatever was already on its way from the unattached link is not acted on.
    const late = reachesDevice(unattached, 'after-removal');
    await until(() => attached.closed && unattached.closed, 'both of Rick’s links to close');
    expect(await late).toMatch(/not typed$/);

    // Coming back with the same identity is refused …
    const again = await connect(link);
    await expect(again.join(link, 'Rick', rick)).rejects.toMatchObject({
      code: 'unauthorized',
      message: expect.stringContaining('removed') as unknown,
    });
    // … and as a new identity through the same link only the owner can let him in.
    const newcomer = await connect(link);
    const knocking = newcomer.join(link, 'Rick').then(
      () => 'admitted',
      (error: unknown) => error,
    );
    const waitingId = await lobbyKnock(ownerEvents, 'Rick');
    await owner.request('lobby.admit', { sessionId, participantId: waitingId, admit: false });
    expect(await knocking).toMatchObject({ code: 'unauthorized' });
  });

  it('removes and revokes the link in the same click', async () => {
    const link = await invite('viewer');
    const { p, joined } = await join(link, 'Uma');
    await owner.request('participant.remove', {
      sessionId,
      participantId: joined.participantId,
      revokeInvite: true,
    });
    await until(() => p.closed, 'Uma’s link to close');
    const { invites } = await owner.request('invite.list', { sessionId });
    expect(invites.map((i) => i.inviteId)).not.toContain(link.inviteId);
    const fresh = await connect(link);
    await expect(fresh.join(link, 'Uma')).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('demotes every link of a person at once, and a re-join keeps the new role', async () => {
    const link = await invite('coworker');
    const { p: attached, joined: dora } = await join(link, 'Dora');
    await attached.request('session.attach', { sessionId });
    const { p: unattached } = await join(link, 'Dora', dora);
    await owner.request('participant.setRole', {
      sessionId,
      participantId: dora.participantId,
      role: 'viewer',
    });
    expect(await reachesDevice(unattached, 'demoted-unattached')).toBe('forbidden, not typed');
    expect(await reachesDevice(attached, 'demoted-attached')).toBe('forbidden, not typed');
    expect(await outcome(unattached, 'session.resize', { sessionId, cols: 50, rows: 10 })).toBe(
      'forbidden',
    );
    // Her unattached link closing must not write the old role back.
    unattached.close();
    attached.close();
    const { joined: back } = await join(link, 'Dora', dora);
    expect(back.role).toBe('viewer');
  });

  it('revoking a link keeps those inside (they re-join after a drop) unless it disconnects them; expiry locks nobody out', async () => {
    const kept = await invite('viewer');
    const { p: kim, joined: kimJoined } = await join(kept, 'Kim');
    await owner.request('invite.revoke', { inviteId: kept.inviteId });
    kim.close();
    const { joined: kimBack } = await join(kept, 'Kim', kimJoined);
    expect(kimBack.participantId).toBe(kimJoined.participantId);
    const stranger = await connect(kept);
    await expect(stranger.join(kept, 'Someone')).rejects.toMatchObject({ code: 'unauthorized' });

    const cut = await invite('viewer');
    const { p: lou, joined: louJoined } = await join(cut, 'Lou');
    await owner.request('invite.revoke', { inviteId: cut.inviteId, disconnect: true });
    await until(() => lou.closed, 'Lou disconnected with the revoked link');
    const louAgain = await connect(cut);
    await expect(louAgain.join(cut, 'Lou', louJoined)).rejects.toMatchObject({
      code: 'unauthorized',
    });

    const brief = await invite('viewer', { ttlMs: 1500 });
    const { p: max, joined: maxJoined } = await join(brief, 'Max');
    await new Promise((resolve) => setTimeout(resolve, 1600));
    max.close();
    const { joined: maxBack } = await join(brief, 'Max', maxJoined);
    expect(maxBack.participantId).toBe(maxJoined.participantId);
  });

  /**
   * Every request type, by role, on a link that is not attached to the session (its holder's
   * other link is). `ok` means authority let it through (the request may still fail on its
   * merits, e.g. `not_found` for a made-up participant id). Remote participants reach only
   * their own session, whatever their role.
   */
  it('applies the role table to every request type, over real peers and unattached links', async () => {
    const other = 'not-this-session';
    // Typed as a record of every request type: a new type fails to compile until it is here.
    const examples: { [T in RequestType]: object[] } = {
      hello: [{ client: { name: 'matrix' }, protocol: PROTOCOL_VERSION }],
      'session.list': [{}],
      'session.open': [{ device: { kind: 'pty' }, cols: 80, rows: 24 }],
      'session.input': [{ sessionId, data: '' }],
      'session.resize': [{ sessionId, cols: 100, rows: 30 }],
      'session.ack': [{ sessionId, chars: 0 }],
      'session.break': [{ sessionId }],
      // With paths too: a link must never probe which devices exist on the owner's machine.
      'serial.list': [{}, { paths: ['/dev/ttyS0', '/etc/passwd'] }],
      'ssh.hosts': [{}],
      'agent.stop': [{}],
      'agent.link': [{}],
      // A viewer link must never point the owner's signalling at a relay of its choosing.
      'sharing.configure': [
        { team: { relayUrl: 'http://127.0.0.1:1', displayName: 'Owner', iceServers: [] } },
        { team: null },
      ],
      'recording.pause': [{ sessionId }],
      'recording.resume': [{ sessionId }],
      'recording.mark': [{ sessionId, label: 'matrix' }],
      'recording.list': [{}],
      'recording.index': [{ recordingId: 'r' }],
      'recording.read': [{ recordingId: 'r', format: 'native', offset: 0 }],
      'recording.delete': [{ recordingId: 'r' }],
      'recording.settings': [{}],
      // A host key fingerprint or serial number, and the owner's notes: the owner's alone.
      'session.target': [{ sessionId }],
      'copilot.memories': [{ sessionId, memories: ['the fan on port 7 is loud'] }],
      // Recordings hold everything typed: no remote role drafts an artifact from one.
      'artifact.draft': [{ recordingId: 'r' }],
      'invite.create': [
        { sessionId, role: 'viewer' },
        { sessionId: other, role: 'viewer' },
      ],
      'invite.list': [{ sessionId }],
      'invite.revoke': [{ inviteId: 'made-up' }],
      'participant.setRole': [{ sessionId, participantId: 'guest:made-up', role: 'owner' }],
      'participant.remove': [{ sessionId, participantId: 'guest:made-up' }],
      'lobby.admit': [{ sessionId, participantId: 'guest:made-up', admit: true }],
      'keyboard.request': [{ sessionId }],
      'keyboard.decline': [{ sessionId, participantId: 'guest:made-up' }],
      'chat.send': [{ sessionId, text: 'matrix' }],
      'copilot.ask': [{ sessionId, action: 'catchup' }],
      'copilot.thread': [{ sessionId }],
      // On while it is on: an owner's answer changes nothing for the tests after it.
      // No model is configured here: an allowed role is told so (bad_request), not refused.
      'copilot.preview': [{ sessionId, question: 'why?' }],
      'copilot.question': [{ sessionId, question: 'why?', consent: true }],
      'copilot.set': [
        { sessionId: other, enabled: false },
        { sessionId, enabled: true },
      ],
      // Any role may talk; an unattached link is then told to open the session (bad_request).
      'call.config': [{ sessionId: other }, { sessionId }],
      'call.join': [
        {
          sessionId: other,
          peerId: 'tcall-matrix-0123456789abcdef',
          muted: false,
          camera: true,
          screen: false,
        },
        {
          sessionId,
          peerId: 'tcall-matrix-0123456789abcdef',
          muted: false,
          camera: true,
          screen: false,
        },
      ],
      'call.update': [{ sessionId, muted: true }],
      'call.leave': [{ sessionId }],
      'session.attach': [{ sessionId: other }, { sessionId }],
      'session.detach': [{ sessionId }],
      // Last: for an owner it ends the session (this is the file's last test).
      'session.close': [{ sessionId: other }, { sessionId }],
    };
    const requests = Object.entries(examples).flatMap(([type, list]) =>
      list.map((fields): [RequestType, object] => [type as RequestType, fields]),
    );
    const everyone = [
      'hello',
      'session.list',
      'session.ack',
      'chat.send',
      'keyboard.request',
      'copilot.ask',
      'copilot.thread',
      'copilot.preview',
      'copilot.question',
      'call.config',
      'call.join',
      'call.update',
      'call.leave',
    ];
    const viewer = [...everyone, 'session.attach', 'session.detach'];
    const coworker = [
      ...viewer,
      'session.input',
      'session.resize',
      'session.break',
      'recording.mark',
    ];
    const owner_ = [
      ...coworker,
      'recording.pause',
      'recording.resume',
      'invite.create',
      'invite.list',
      'invite.revoke',
      'participant.setRole',
      'participant.remove',
      'lobby.admit',
      'keyboard.decline',
      'copilot.set',
      'session.close',
    ];
    const allowed: Record<string, string[]> = {
      viewer,
      coworker,
      owner: owner_,
      demoted: viewer,
    };
    const expectedFor = (role: string, type: RequestType, fields: object): string => {
      if ('sessionId' in fields && fields.sessionId === other) return 'forbidden';
      return allowed[role]?.includes(type) === true ? 'ok' : 'forbidden';
    };

    // A removed person: every request type, sent from their unattached link right after the
    // removal, in flight together. None may be answered at all (an answer, even `not_found`,
    // would mean it was acted on); the link closes.
    const removedLink = await invite('coworker');
    const { p: removedAttached, joined: removedJoined } = await join(removedLink, 'M-removed');
    await removedAttached.request('session.attach', { sessionId });
    const { p: removed } = await join(removedLink, 'M-removed', removedJoined);
    await owner.request('participant.remove', {
      sessionId,
      participantId: removedJoined.participantId,
    });
    const afterRemoval = await Promise.all(
      requests.map(async ([type, fields]) => {
        const got = await outcome(removed, type, fields);
        return `${type}: ${got === 'connection closed' || got.endsWith('timed out') ? 'dropped' : `answered ${got}`}`;
      }),
    );
    expect(afterRemoval).toEqual(requests.map(([type]) => `${type}: dropped`));

    // A stranger: connected to the agent's peer, never joined. Everything is refused and the
    // connection is closed after the first message.
    const stranger = await connect(await invite('viewer'));
    expect(await outcome(stranger, 'session.attach', { sessionId })).toBe('unauthorized');
    await until(() => stranger.closed, 'the stranger to be hung up on');

    const table: Record<string, Record<string, string>> = {};
    const expected: Record<string, Record<string, string>> = {};
    for (const role of ['viewer', 'coworker', 'demoted', 'owner'] as const) {
      const link = await invite(role === 'demoted' ? 'coworker' : role);
      const { p: attached, joined } = await join(link, `M-${role}`);
      await attached.request('session.attach', { sessionId });
      const { p } = await join(link, `M-${role}`, joined);
      if (role === 'demoted') {
        await owner.request('participant.setRole', {
          sessionId,
          participantId: joined.participantId,
          role: 'viewer',
        });
      }
      table[role] = {};
      expected[role] = {};
      for (const [type, fields] of requests) {
        const key = `${type}${'sessionId' in fields && fields.sessionId === other ? ' (other session)' : ''}`;
        const got = await outcome(p, type, fields);
        // Authority passed if the answer is anything but a refusal.
        table[role][key] = got === 'forbidden' || got === 'unauthorized' ? got : 'ok';
        expected[role][key] = expectedFor(role, type, fields);
      }
      attached.close();
      p.close();
    }

    expect(table).toEqual(expected);
  });
});
