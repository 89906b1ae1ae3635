import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TandemError, okReply } from '../../protocol/index.js';
import type { Logger } from '../../native-host/log.js';
import { AgentKey } from '../../native-host/peer/agent-key.js';
import { PeerBridge } from '../../native-host/peer/bridge.js';
import { InviteStore } from '../../native-host/peer/invites.js';
import { startRelay, type Relay } from '../../relay/relay.js';
import { Participant, parseInviteUrl } from '../fixtures/participant.js';

/** Errors (a crashed peer process, say) go to the test output; refusals here are expected. */
const logger: Logger = {
  info() {},
  warn() {},
  error: (event, fields) =>
    process.stderr.write(`peer bridge: ${event} ${JSON.stringify(fields)}\n`),
};

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
});
