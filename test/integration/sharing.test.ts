import fs from 'node:fs';
import path from 'node:path';
import headless from '@xterm/headless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent, JoinResult, ParticipantInfo } from '../../protocol/index.js';
import type { AgentClient } from '../../native-host/client.js';
import {
  OutputFollower,
  agentPid,
  childRunning,
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

const { Terminal } = headless;

/** Everything one party received, in order: what the test checks for leaks. */
function record(source: { onEvent(listener: (event: AgentEvent) => void): unknown }): AgentEvent[] {
  const events: AgentEvent[] = [];
  source.onEvent((event) => events.push(event));
  return events;
}

/** Follows a session's output for a remote participant, as the panel would (no acks: the data channel paces it). */
class RemoteView {
  text = '';
  lastSeq = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly participant: Participant,
    readonly sessionId: string,
  ) {
    participant.onEvent((event) => {
      if (!('sessionId' in event) || event.sessionId !== sessionId) return;
      if (event.type === 'session.snapshot') {
        if (this.text.length > 0 && event.data.length > 0 && this.lastSeq !== 0) this.text = '';
        this.lastSeq = event.seq;
      } else if (event.type === 'session.output') {
        if (event.seq <= this.lastSeq) throw new Error(`duplicate seq ${event.seq}`);
        this.lastSeq = event.seq;
      } else return;
      this.text += event.data;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  async waitFor(test: (text: string) => boolean, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!test(this.text)) {
      if (Date.now() > deadline)
        throw new Error(`timed out; got …${JSON.stringify(this.text.slice(-200))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
}

async function render(data: string, cols: number, rows: number): Promise<string> {
  const terminal = new Terminal({ cols, rows, scrollback: 10_000, allowProposedApi: true });
  await new Promise<void>((resolve) => terminal.write(data, resolve));
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++)
    lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
  terminal.dispose();
  return lines.join('\n').trimEnd();
}

function participantsOf(events: AgentEvent[]): ParticipantInfo[][] {
  return events.flatMap((e) => (e.type === 'session.participants' ? [e.participants] : []));
}

describe('shared sessions over a real PeerServer and WebRTC on loopback', () => {
  let agentEnv: AgentEnv;
  let host: HostProcess;
  let owner: AgentClient;
  let sessionId: string;
  let ownerView: OutputFollower;
  let ownerEvents: AgentEvent[];
  const participants: Participant[] = [];

  async function invite(
    role: 'viewer' | 'coworker' | 'owner',
    extra: { lobby?: boolean } = {},
  ): Promise<InviteLink> {
    const { url } = await owner.request('invite.create', { sessionId, role, ...extra });
    expect(new URL(url).hostname).toBe('127.0.0.1');
    return parseInviteUrl(url);
  }

  const join = (
    link: InviteLink,
    name: string,
    rejoin?: JoinResult,
  ): Promise<{ p: Participant; joined: JoinResult }> => joinAs(link, name, participants, rejoin);

  /** Attaches a joined participant from the output the owner sees now on. */
  async function followFromNow(p: Participant): Promise<RemoteView> {
    const view = new RemoteView(p, sessionId);
    await p.request('session.attach', {
      sessionId,
      fromSeq: (await owner.request('session.list', {})).sessions[0]?.seq ?? 0,
    });
    return view;
  }

  /** Re-attaches after a re-join from the first output not yet seen: an exact replay. */
  async function resume(p: Participant, lastSeq: number): Promise<RemoteView> {
    const view = new RemoteView(p, sessionId);
    view.lastSeq = lastSeq;
    const reply = await p.request('session.attach', { sessionId, fromSeq: lastSeq + 1 });
    expect(reply.mode).toBe('replay');
    return view;
  }

  beforeAll(async () => {
    agentEnv = makeAgentEnv();
    host = spawnHost(agentEnv.env);
    owner = host.client;
    ({ sessionId } = await owner.request('session.open', {
      device: { kind: 'pty', shell: '/bin/bash', args: ['--norc', '--noprofile'] },
      cols: 120,
      rows: 40,
    }));
    ownerEvents = record(owner);
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

  it('enforces roles for input, resize, invites and role changes, and changes roles live', async () => {
    const { p: viewer, joined } = await join(await invite('viewer'), 'Vera');
    expect(joined.role).toBe('viewer');
    await viewer.request('session.attach', { sessionId });
    const forbidden = { code: 'forbidden' };
    await expect(
      viewer.request('session.input', { sessionId, data: 'echo hi\r' }),
    ).rejects.toMatchObject(forbidden);
    await expect(
      viewer.request('session.resize', { sessionId, cols: 80, rows: 24 }),
    ).rejects.toMatchObject(forbidden);
    await expect(
      viewer.request('invite.create', { sessionId, role: 'owner' }),
    ).rejects.toMatchObject(forbidden);
    await expect(
      viewer.request('participant.setRole', {
        sessionId,
        participantId: joined.participantId,
        role: 'owner',
      }),
    ).rejects.toMatchObject(forbidden);
    await expect(
      viewer.request('session.open', { device: { kind: 'pty' }, cols: 80, rows: 24 }),
    ).rejects.toMatchObject(forbidden);
    await expect(viewer.request('agent.stop', {})).rejects.toMatchObject(forbidden);
    const listed = await viewer.request('session.list', {});
    expect(listed.sessions.map((s) => s.sessionId)).toEqual([sessionId]);
    const size = (await owner.request('session.list', {})).sessions[0];
    expect([size?.cols, size?.rows]).toEqual([120, 40]);

    const { p: coworker, joined: cw } = await join(await invite('coworker'), 'Cole');
    const coworkerView = new RemoteView(coworker, sessionId);
    await coworker.request('session.attach', { sessionId });
    await expect(
      coworker.request('invite.create', { sessionId, role: 'viewer' }),
    ).rejects.toMatchObject(forbidden);
    await coworker.request('session.input', { sessionId, data: 'echo from-$((2+3))-cole\r' });
    await ownerView.waitFor('from-5-cole');
    await coworkerView.waitFor((t) => t.includes('from-5-cole'));

    // Typing indicator: Cole shows as typing, then not, ~1.5 s later.
    await until(
      () =>
        participantsOf(ownerEvents).some((list) =>
          list.some((x) => x.id === cw.participantId && x.typing),
        ),
      'typing',
    );
    await until(
      () =>
        participantsOf(ownerEvents)
          .at(-1)
          ?.find((x) => x.id === cw.participantId)?.typing === false,
      'typing to end',
      4000,
    );
    // Join notices reached the owner.
    const notices = ownerEvents.flatMap((e) => (e.type === 'session.notice' ? [e.text] : []));
    expect(notices).toEqual(expect.arrayContaining(['Vera joined', 'Cole joined']));

    // Live promote, then demote.
    await owner.request('participant.setRole', {
      sessionId,
      participantId: joined.participantId,
      role: 'coworker',
    });
    await viewer.request('session.input', { sessionId, data: 'echo vera-$((1+1))\r' });
    await ownerView.waitFor('vera-2');
    await owner.request('participant.setRole', {
      sessionId,
      participantId: joined.participantId,
      role: 'viewer',
    });
    await expect(viewer.request('session.input', { sessionId, data: 'x' })).rejects.toMatchObject(
      forbidden,
    );
    const roles = participantsOf(ownerEvents)
      .at(-1)
      ?.map((x) => [x.name, x.role]);
    expect(roles).toEqual(
      expect.arrayContaining([
        ['Vera', 'viewer'],
        ['Cole', 'coworker'],
      ]),
    );
  });

  it('sizes the device by the keyboard: owner 120x40, a viewer at 80x24 changes nothing', async () => {
    const { p: viewer } = await join(await invite('viewer'), 'Wes');
    const events = record(viewer);
    await viewer.request('session.attach', { sessionId });
    await expect(
      viewer.request('session.resize', { sessionId, cols: 80, rows: 24 }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    await until(() => events.some((e) => e.type === 'session.size'), 'size event');
    const sizeEvent = events.find((e) => e.type === 'session.size');
    expect(sizeEvent).toMatchObject({ cols: 120, rows: 40 });
    owner.notify('session.input', { sessionId, data: 'stty size\r' });
    await ownerView.waitFor('40 120');

    // A co-worker whose view is 100x30 takes the keyboard: the size follows them.
    const { p: coworker } = await join(await invite('coworker'), 'Kim');
    await coworker.request('session.attach', { sessionId });
    await coworker.request('session.resize', { sessionId, cols: 100, rows: 30 });
    expect((await owner.request('session.list', {})).sessions[0]?.cols).toBe(120);
    await coworker.request('session.input', { sessionId, data: 'stty size\r' });
    await ownerView.waitFor('30 100');
    await until(
      () => events.some((e) => e.type === 'session.size' && e.cols === 100),
      'viewer told of new size',
    );
  });

  it('never broadcasts input typed at a no-echo password prompt', async () => {
    const { p: viewer } = await join(await invite('viewer'), 'Pat');
    const viewerEvents = record(viewer);
    await viewer.request('session.attach', { sessionId });
    const { p: coworker } = await join(await invite('coworker'), 'Sam');
    const coworkerEvents = record(coworker);
    await coworker.request('session.attach', { sessionId });
    owner.notify('session.input', {
      sessionId,
      data: 'read -s -p "Password: " pw; echo; echo got-${#pw}\r',
    });
    await ownerView.waitFor((t) => t.endsWith('Password: '));
    await coworker.request('session.input', { sessionId, data: 'hunter2-secret\r' });
    await ownerView.waitFor('got-14');
    for (const events of [ownerEvents, viewerEvents, coworkerEvents]) {
      expect(JSON.stringify(events)).not.toContain('hunter2-secret');
    }
  });

  it('gives a late joiner the screen and 10,000 lines of scrollback, equal to the owner’s', async () => {
    // 20,000 lines of 110 characters: more than the 2 MiB replay buffer, so the late joiner
    // gets a snapshot (screen + 10,000 lines of scrollback) and then live output.
    const pad = 'x'.repeat(96);
    owner.notify('session.input', {
      sessionId,
      data: `clear; seq 1 20000 | awk '{printf "line %05d ${pad}\\n", $1}'\r`,
    });
    await ownerView.waitFor('line 20000');
    await ownerView.waitFor((t) => t.endsWith('$ '));
    const { p: late } = await join(await invite('viewer'), 'Lou');
    const view = new RemoteView(late, sessionId);
    const attached = await late.request('session.attach', { sessionId });
    expect(attached.mode).toBe('snapshot');
    await view.waitFor((t) => t.includes('line 20000') && t.endsWith('$ '));
    owner.notify('session.input', { sessionId, data: 'echo after-$((7*6))\r' });
    await ownerView.waitFor('after-42');
    await view.waitFor((t) => t.includes('after-42') && t.endsWith('$ '));
    const ownerScreen = (await render(ownerView.text, 120, 40)).split('\n');
    const lateScreen = (await render(view.text, 120, 40)).split('\n');
    // Both terminals keep 10,000 lines of scrollback plus the screen: identical.
    expect(lateScreen.length).toBe(10_040);
    expect(lateScreen).toEqual(ownerScreen);
  });

  it('lets a dropped participant re-join mid-flood and receive exactly what it missed', async () => {
    const link = await invite('viewer');
    const { p: first, joined } = await join(link, 'Dee');
    const view = await followFromNow(first);
    const start = ownerView.text.length;
    owner.notify('session.input', {
      sessionId,
      data: 'for i in $(seq 1 3000); do echo "flood $i"; done\r',
    });
    await view.waitFor((t) => t.includes('flood 500'));
    // Dropped without a goodbye (no detach), as a crashed browser or a lost network would.
    const droppedAt = Date.now();
    first.close();
    const seen = view.text;
    const lastSeq = view.lastSeq;
    const { p: again, joined: rejoined } = await join(link, 'Dee', joined);
    expect(rejoined.participantId).toBe(joined.participantId);
    const resumed = await resume(again, lastSeq);
    expect(Date.now() - droppedAt).toBeLessThan(5000);
    await ownerView.waitFor('flood 3000');
    await resumed.waitFor((t) => t.includes('flood 3000') && t.endsWith('$ '));
    const ownerPart = ownerView.text.slice(start);
    const remotePart = seen + resumed.text;
    expect(remotePart.slice(remotePart.indexOf('for i in'))).toBe(
      ownerPart.slice(ownerPart.indexOf('for i in')),
    );
  });

  it('keeps every session when the WebRTC process dies; participants re-join where they were', async () => {
    const link = await invite('coworker');
    const { p: first, joined } = await join(link, 'Kim');
    const view = await followFromNow(first);
    owner.notify('session.input', { sessionId, data: 'echo before-$((6*7))\r' });
    await view.waitFor((t) => t.includes('before-42'));

    const agent = agentPid(agentEnv.env);
    const crashed = agent === undefined ? undefined : childRunning(agent, 'peer-process');
    expect(crashed).toBeDefined();
    process.kill(crashed ?? 0, 'SIGKILL');
    await until(() => first.closed, 'the participant to see the drop');

    // The agent and its sessions carry on; the owner keeps working.
    const start = ownerView.text.length;
    owner.notify('session.input', { sessionId, data: 'echo after-$((6*7))\r' });
    await ownerView.waitFor((t) => t.slice(start).includes('after-42') && t.endsWith('$ '));

    const { p: again, joined: rejoined } = await join(link, 'Kim', joined);
    expect(rejoined).toMatchObject({ participantId: joined.participantId, role: 'coworker' });
    const resumed = await resume(again, view.lastSeq);
    await resumed.waitFor((t) => t.includes('after-42') && t.endsWith('$ '));
    const remote = view.text + resumed.text;
    expect(remote.slice(remote.lastIndexOf('before-42'))).toBe(
      ownerView.text.slice(ownerView.text.lastIndexOf('before-42')),
    );
    expect(childRunning(agent ?? 0, 'peer-process')).not.toBe(crashed);
    const log = fs.readFileSync(
      path.join(agentEnv.env.XDG_STATE_HOME ?? '', 'tandem/agent.log'),
      'utf8',
    );
    expect(log).toMatch(/"event":"peer\.crashed"[^\n]*"signal":"SIGKILL"/);
  });

  it('carries on when the relay dies: data channels stay up, it returns on the same port, links work again', async () => {
    const link = await invite('viewer');
    const { p: first } = await join(link, 'Rae');
    const view = await followFromNow(first);
    const agent = agentPid(agentEnv.env) ?? 0;
    const relay = childRunning(agent, 'relay.js');
    if (relay === undefined) throw new Error('no embedded relay runs');
    process.kill(relay, 'SIGKILL');
    // Signalling is gone; the session's data channel never needed it.
    owner.notify('session.input', { sessionId, data: 'echo relay-gone-$((6*7))\r' });
    await view.waitFor((t) => t.includes('relay-gone-42'));

    // A newcomer with the same link gets in once the relay is back on its port.
    const deadline = Date.now() + 10_000;
    let newcomer: Participant | undefined;
    while (newcomer === undefined) {
      try {
        newcomer = (await join(link, 'Sam')).p;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const late = await followFromNow(newcomer);
    owner.notify('session.input', { sessionId, data: 'echo relay-back-$((6*7))\r' });
    await late.waitFor((t) => t.includes('relay-back-42'));
    await view.waitFor((t) => t.includes('relay-back-42'));
    expect(childRunning(agent, 'relay.js')).not.toBe(relay);
    const log = fs.readFileSync(
      path.join(agentEnv.env.XDG_STATE_HOME ?? '', 'tandem/agent.log'),
      'utf8',
    );
    expect(log).toMatch(/"event":"relay\.crashed"[^\n]*"signal":"SIGKILL"/);
    expect(log).toMatch(/"event":"relay\.restarted"/);
  });

  it('lets go of a participant that pinged and then fell silent, as a crashed browser does', async () => {
    const link = await invite('viewer');
    const { p } = await join(link, 'Gus');
    p.ping();
    // From now on nothing comes from Gus, while the data channel itself stays open.
    const silentFrom = Date.now();
    await until(() => p.closed, 'the agent to let the silent participant go', 16_000);
    const after = Date.now() - silentFrom;
    expect(after).toBeGreaterThan(9000);
    expect(after).toBeLessThan(14_000);
    const log = fs.readFileSync(
      path.join(agentEnv.env.XDG_STATE_HOME ?? '', 'tandem/agent.log'),
      'utf8',
    );
    expect(log).toMatch(/"event":"peer\.silent"/);
  });

  it('holds lobby guests until the owner admits them, and removes people for good', async () => {
    const link = await invite('viewer', { lobby: true });
    const waiting = await Participant.connect(link);
    participants.push(waiting);
    const pending = waiting.join(link, 'Lee') as Promise<JoinResult>;
    const leeId = await lobbyKnock(ownerEvents, 'Lee');
    await owner.request('lobby.admit', { sessionId, participantId: leeId, admit: true });
    const joined = await pending;
    expect(joined).toMatchObject({ participantId: leeId, role: 'viewer' });

    const declinedLink = await invite('viewer', { lobby: true });
    const declined = await Participant.connect(declinedLink);
    participants.push(declined);
    // Settled at once, so the refusal is never an unhandled rejection while the test waits.
    const refused = declined.join(declinedLink, 'Dan').then(
      () => undefined,
      (error: unknown) => error,
    );
    const danId = await lobbyKnock(ownerEvents, 'Dan');
    await owner.request('lobby.admit', { sessionId, participantId: danId, admit: false });
    expect(await refused).toMatchObject({ code: 'unauthorized' });

    // Removal: Lee's connection is closed and the same identity cannot come back.
    await waiting.request('session.attach', { sessionId });
    await owner.request('participant.remove', { sessionId, participantId: leeId });
    await until(() => waiting.closed, 'removed participant disconnected');
    const back = await Participant.connect(link);
    participants.push(back);
    await expect(back.join(link, 'Lee', joined)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses a revoked link, and ending the session disconnects everyone and kills every link', async () => {
    const revoked = await invite('viewer');
    await owner.request('invite.revoke', { inviteId: revoked.inviteId });
    const p = await Participant.connect(revoked);
    participants.push(p);
    await expect(p.join(revoked, 'Rex')).rejects.toMatchObject({ code: 'unauthorized' });

    const link = await invite('coworker');
    const { p: member } = await join(link, 'Mo');
    const memberEvents = record(member);
    await member.request('session.attach', { sessionId });
    await owner.request('session.close', { sessionId });
    await until(() => memberEvents.some((e) => e.type === 'session.exit'), 'exit event');
    await until(() => member.closed, 'participant disconnected');
    const after = await Participant.connect(link);
    participants.push(after);
    await expect(after.join(link, 'Mo again')).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
