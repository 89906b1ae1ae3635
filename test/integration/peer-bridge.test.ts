import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TandemError, okReply } from '../../protocol/index.js';
import type { LogFields, Logger } from '../../native-host/log.js';
import { AgentKey } from '../../native-host/peer/agent-key.js';
import { PeerBridge } from '../../native-host/peer/bridge.js';
import { InviteStore } from '../../native-host/peer/invites.js';
import { startRelay, type Relay } from '../../relay/relay.js';
import { Participant, parseInviteUrl } from '../fixtures/participant.js';

/** Errors (a crashed peer process, say) go to the test output; refusals here are expected. */
const warnings: { event: string; fields: LogFields }[] = [];
const logger: Logger = {
  info() {},
  warn: (event, fields) => warnings.push({ event, fields: fields ?? {} }),
  error: (event, fields) =>
    process.stderr.write(`peer bridge: ${event} ${JSON.stringify(fields)}\n`),
};

/** A peer on the relay that sends the agent whatever it likes, as anyone with a link can. */
async function hostilePeer(relay: Relay, agentPeerId: string) {
  const socket = new WebSocket(
    `ws://${relay.host}:${relay.port}/peer/peerjs?key=peerjs&id=mallory-${Date.now()}&token=t`,
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('message', () => resolve());
    socket.once('error', reject);
  });
  return {
    send: (message: object) => socket.send(JSON.stringify({ dst: agentPeerId, ...message })),
    close: () => socket.close(),
  };
}

/** How many signalling messages the peer process says it dropped (its lines are throttled). */
function droppedSoFar(): number {
  return warnings
    .filter((w) => w.event === 'peer.signalling_dropped')
    .reduce((sum, w) => sum + Number(w.fields.dropped ?? 1), 0);
}

describe('peer bridge over a real PeerServer on loopback', () => {
  let relay: Relay;
  let bridge: PeerBridge;
  const invites = new InviteStore();
  const joined: string[] = [];

  beforeAll(async () => {
    relay = await startRelay();
    bridge = await PeerBridge.start({
      relay: { host: relay.host, port: relay.port, path: '/peer', secure: false, url: relay.url },
      iceServers: [],
      logger,
      key: AgentKey.generate(),
      join(request, pipe) {
        const invite = invites.redeem(request.inviteId, request.secret);
        joined.push(request.name);
        return {
          result: { role: invite.role, sessionId: invite.sessionId },
          handle(value) {
            // Echo requests back as replies, to prove the channel carries both ways.
            if (
              typeof value === 'object' &&
              value !== null &&
              'id' in value &&
              typeof value.id === 'number'
            ) {
              pipe.send(okReply(value.id, value));
            }
          },
          closed() {},
        };
      },
    });
  });
  afterAll(async () => {
    await bridge.close();
    await relay.close();
  });

  it('admits a participant with a valid invite and carries large messages both ways', async () => {
    const { invite, secret } = invites.create('s1', 'viewer');
    const link = parseInviteUrl(bridge.inviteUrl(invite.inviteId, secret));
    expect(link.relay.port).toBe(relay.port);
    const participant = await Participant.connect(link);
    await expect(participant.join(link, 'Ada')).resolves.toEqual({
      role: 'viewer',
      sessionId: 's1',
    });
    expect(joined).toContain('Ada');
    const big = 'é'.repeat(300_000);
    const echoed = await participant.request('session.input', { sessionId: 's1', data: big });
    expect(echoed).toMatchObject({ type: 'session.input', data: big });
    participant.close();
  });

  it('refuses a wrong secret, a revoked invite, and anything before a join', async () => {
    const { invite, secret } = invites.create('s1', 'coworker');
    const link = parseInviteUrl(bridge.inviteUrl(invite.inviteId, secret));

    const wrong = await Participant.connect(link);
    await expect(
      wrong.join({ ...link, secret: secret.slice(1) + 'A' }, 'Mallory'),
    ).rejects.toMatchObject({
      code: 'unauthorized',
    });

    const early = await Participant.connect(link);
    await expect(early.request('session.list', {})).rejects.toBeInstanceOf(TandemError);

    // A heartbeat is not a way in: before a join it is refused like anything else.
    const pinger = await Participant.connect(link);
    pinger.ping();
    const deadline = Date.now() + 5000;
    while (!pinger.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(pinger.closed).toBe(true);
    expect(pinger.orphanErrors.map((e) => e.code)).toEqual(['unauthorized']);

    invites.revoke(invite.inviteId);
    const late = await Participant.connect(link);
    await expect(late.join(link, 'Bob')).rejects.toMatchObject({ code: 'unauthorized' });
    expect(joined).not.toContain('Mallory');
    expect(joined).not.toContain('Bob');
    for (const p of [wrong, early, pinger, late]) p.close();
  });

  it('survives hostile signalling through the relay: bad offers are dropped, joins still work', async () => {
    const before = bridge.processId;
    // Anyone who knows the agent's peer id can register on the relay and send it anything.
    const socket = new WebSocket(
      `ws://${relay.host}:${relay.port}/peer/peerjs?key=peerjs&id=mallory-${Date.now()}&token=t`,
    );
    await new Promise<void>((resolve, reject) => {
      socket.once('message', () => resolve());
      socket.once('error', reject);
    });
    const sdp = { type: 'offer', sdp: 'v=0\r\n' };
    const hostile = [
      // PeerJS would call `new undefined(...)` for an unknown serialization and die.
      { type: 'data', serialization: 'bogus', connectionId: 'dc_a', sdp },
      { type: 'media', connectionId: 'dc_b', sdp },
      { type: 'data', serialization: 'raw', connectionId: 'dc_c', sdp: 'not an object' },
      { type: 'data', serialization: 'raw', connectionId: 'dc_d', sdp },
    ];
    for (const payload of hostile) {
      socket.send(JSON.stringify({ type: 'OFFER', dst: bridge.peerId, payload }));
    }
    socket.send(
      JSON.stringify({
        type: 'CANDIDATE',
        dst: bridge.peerId,
        payload: { type: 'data', connectionId: 'dc_d', candidate: { candidate: 42 } },
      }),
    );
    socket.send(JSON.stringify({ type: 'ANSWER', dst: bridge.peerId, payload: null }));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    socket.close();

    expect(bridge.processId).toBe(before);
    const { invite, secret } = invites.create('s1', 'viewer');
    const link = parseInviteUrl(bridge.inviteUrl(invite.inviteId, secret));
    const participant = await Participant.connect(link);
    await expect(participant.join(link, 'Eve')).resolves.toMatchObject({ role: 'viewer' });
    participant.close();
    expect(bridge.processId).toBe(before);
  });
  it('drops well-formed hostile signalling too: answers it never asked for, candidates for no connection, without a log line each', async () => {
    const before = bridge.processId;
    const mallory = await hostilePeer(relay, bridge.peerId);
    const sdp = { type: 'offer', sdp: 'v=0\r\n' };
    const offer = { type: 'data', serialization: 'raw', connectionId: 'dc_1', sdp };
    const candidate = (connectionId: string, c: object) => ({
      type: 'CANDIDATE',
      payload: { type: 'data', connectionId, candidate: c },
    });
    const droppedBefore = droppedSoFar();
    // A connection in progress, then everything PeerJS hands to it with what it was sent.
    mallory.send({ type: 'OFFER', payload: offer });
    mallory.send({
      type: 'ANSWER',
      payload: { type: 'data', connectionId: 'dc_1', sdp: { type: 'answer', sdp: 'v=0\r\n' } },
    });
    mallory.send(candidate('dc_1', { candidate: 'candidate:garbage', sdpMid: '0' }));
    mallory.send(candidate('dc_1', { candidate: '', sdpMid: null, sdpMLineIndex: null }));
    mallory.send(candidate('dc_1', { candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host' }));
    mallory.send({ type: 'OFFER', payload: { ...offer, label: '', metadata: { a: [null] } } });
    mallory.send({ type: 'OFFER', payload: { ...offer, connectionId: '__proto__' } });
    mallory.send({ type: 'LEAVE', payload: { connectionId: 'dc_1' } });
    mallory.send({ type: 'EXPIRE', payload: null });
    // PeerJS keeps a candidate for a connection it does not hold, forever, in case an offer
    // follows: thousands of made-up connection ids would only grow the process.
    const ghosts = 3000;
    for (let i = 0; i < ghosts; i++) mallory.send(candidate(`ghost-${i}`, { candidate: 'x' }));
    // Drop lines come at most once a second, each counting what was dropped since the last:
    // a dropped message now and then gets the count of everything before it logged.
    const deadline = Date.now() + 15_000;
    while (droppedSoFar() - droppedBefore < ghosts + 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      mallory.send({ type: 'ANSWER', payload: null });
    }
    mallory.close();

    expect(droppedSoFar() - droppedBefore).toBeGreaterThanOrEqual(ghosts + 1);
    const lines = warnings.filter((w) => w.event === 'peer.signalling_dropped').length;
    expect(lines).toBeLessThan(20);
    expect(bridge.processId).toBe(before);
    const { invite, secret } = invites.create('s1', 'viewer');
    const link = parseInviteUrl(bridge.inviteUrl(invite.inviteId, secret));
    const participant = await Participant.connect(link);
    await expect(participant.join(link, 'Ivy')).resolves.toMatchObject({ role: 'viewer' });
    participant.close();
    expect(bridge.processId).toBe(before);
  });
});
