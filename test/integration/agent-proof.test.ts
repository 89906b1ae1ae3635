/**
 * The agent proves who it is (docs/sharing.md, "The agent proves who it is"), tried the way an
 * attacker would: through the real agent, its real relay, and real PeerJS/WebRTC peers.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';
import { ExpressPeerServer } from 'peer';
import type { DataConnection, Peer } from 'peerjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AgentClient } from '../../native-host/client.js';
import { AgentKey } from '../../native-host/peer/agent-key.js';
import { loadPeerJs } from '../../native-host/peer/webrtc.js';
import {
  agentPid,
  childRunning,
  makeAgentEnv,
  spawnHost,
  type AgentEnv,
  type HostProcess,
} from '../fixtures/agent.js';
import {
  AgentUnverifiedError,
  Participant,
  parseInviteUrl,
  type InviteLink,
} from '../fixtures/participant.js';

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A PeerJS peer in this process, registered on a relay. */
async function peerOn(port: number, id?: string): Promise<Peer> {
  const { Peer } = await loadPeerJs();
  const options = { host: '127.0.0.1', port, path: '/peer', secure: false, debug: 0 };
  const peer = id === undefined ? new Peer(options) : new Peer(id, options);
  await new Promise<void>((resolve, reject) => {
    peer.once('open', () => resolve());
    peer.once('error', reject);
  });
  return peer;
}

/** A data connection that opened, retrying libdatachannel's occasional failed handshake. */
async function openTo(peer: Peer, id: string): Promise<DataConnection> {
  for (let attempt = 1; ; attempt++) {
    // PeerJS returns nothing from a destroyed or disconnected peer.
    const connection = peer.connect(id, { reliable: true, serialization: 'raw' }) as
      DataConnection | undefined;
    if (connection === undefined) throw new Error(`the peer is gone: no connection to ${id}`);
    const opened = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      connection.once('open', () => {
        clearTimeout(timer);
        resolve(true);
      });
      connection.once('error', () => resolve(false));
    });
    if (opened) return connection;
    connection.close();
    if (attempt === 5) throw new Error(`no data connection to ${id}`);
  }
}

/**
 * A hostile relay operator in the middle. Its relay (a plain PeerServer, none of Tandem's
 * rules) serves the victim; on it, the operator's own peer takes the agent's id and answers
 * the victim with its own DTLS certificate. For each victim it opens a connection to the real
 * agent through the real relay — under the victim's own peer id, so only the DTLS
 * certificates differ — and relays every piece both ways, reading them all.
 */
class RelayInTheMiddle {
  /** Every piece the victim sent: what the operator learns. */
  readonly fromVictim: string[] = [];
  private readonly peers: Peer[] = [];
  closed = false;

  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
    /** Keep the agent's hello from the victim, hoping it goes on without a proof. */
    private readonly stripProof: boolean,
  ) {
    // Upgraded WebSockets are not HTTP connections any more: close them by hand.
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(
    agentPeerId: string,
    realRelayPort: number,
    options: { stripProof?: boolean } = {},
  ): Promise<RelayInTheMiddle> {
    const app = express();
    const server = http.createServer(app);
    app.use('/peer', ExpressPeerServer(server, { path: '/', allow_discovery: false }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const mitm = new RelayInTheMiddle(server, port, options.stripProof ?? false);
    const impostor = await peerOn(mitm.port, agentPeerId);
    mitm.peers.push(impostor);
    impostor.on('connection', (victim) => {
      mitm.relay(victim, agentPeerId, realRelayPort).catch((error: unknown) => {
        // Torn down while it was still connecting to the agent: expected once a test is over.
        if (!mitm.closed) process.stderr.write(`relay in the middle failed: ${String(error)}\n`);
      });
    });
    return mitm;
  }

  private async relay(victim: DataConnection, agentPeerId: string, port: number): Promise<void> {
    const early: unknown[] = [];
    let toAgent = (piece: unknown): void => void early.push(piece);
    victim.on('data', (piece) => {
      this.fromVictim.push(String(piece));
      toAgent(piece);
    });
    const asVictim = await peerOn(port, victim.peer);
    this.peers.push(asVictim);
    const agent = await openTo(asVictim, agentPeerId);
    for (const piece of early.splice(0)) void agent.send(piece);
    toAgent = (piece) => void agent.send(piece);
    const forward = (piece: unknown): void => {
      if (this.stripProof && String(piece).includes('"type":"link.hello"')) return;
      if (victim.open) void victim.send(piece);
      else victim.once('open', () => void victim.send(piece));
    };
    agent.on('data', forward);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const peer of this.peers) peer.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }
}

/** Tries to register `id` on the relay as PeerJS would, with a token of its own. */
function register(port: number, id: string, token: string): Promise<'open' | number | string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(
      `ws://127.0.0.1:${port}/peer/peerjs?key=peerjs&id=${id}&token=${token}`,
    );
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('message', (data) => {
      const type: unknown = JSON.parse(String(data)).type;
      resolve(type === 'OPEN' ? 'open' : String(type));
      socket.close();
    });
    socket.once('error', () => resolve('error'));
  });
}

describe('the agent proves who it is, and only it can claim its peer id', () => {
  let agentEnv: AgentEnv;
  let host: HostProcess;
  let owner: AgentClient;
  let sessionId: string;
  const participants: Participant[] = [];

  async function invite(): Promise<{ link: InviteLink; inviteId: string }> {
    const { url, invite } = await owner.request('invite.create', { sessionId, role: 'coworker' });
    return { link: parseInviteUrl(url), inviteId: invite.inviteId };
  }

  async function uses(inviteId: string): Promise<number | undefined> {
    const { invites } = await owner.request('invite.list', { sessionId });
    return invites.find((i) => i.inviteId === inviteId)?.uses;
  }

  beforeAll(async () => {
    agentEnv = makeAgentEnv();
    host = spawnHost(agentEnv.env);
    owner = host.client;
    ({ sessionId } = await owner.request('session.open', {
      device: { kind: 'echo' },
      cols: 80,
      rows: 24,
    }));
  });

  afterAll(async () => {
    for (const p of participants) p.close();
    await host.close();
    await agentEnv.cleanup();
  });

  it('keeps its key in a 0600 file, and every link names that key', async () => {
    const { link } = await invite();
    const file = path.join(agentEnv.env.XDG_STATE_HOME ?? '', 'tandem', 'agent-key.pem');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(AgentKey.load(path.dirname(file)).fingerprint).toBe(link.keyFingerprint);
    const p = await Participant.connect(link);
    participants.push(p);
    await expect(p.join(link, 'Kai')).resolves.toMatchObject({ role: 'coworker' });
  });

  it('refuses a link with a wrong key fingerprint before the join: the secret never goes out', async () => {
    const { link, inviteId } = await invite();
    const forged = { ...link, keyFingerprint: AgentKey.generate().fingerprint };
    const refused = Participant.connect(forged);
    await expect(refused).rejects.toBeInstanceOf(AgentUnverifiedError);
    await expect(refused).rejects.toMatchObject({
      reason: 'the key is not the one in the link',
      message:
        'This link does not lead to the agent that created it — do not enter anything; ask the owner for a new link',
    });
    expect(await uses(inviteId)).toBe(0);
  });

  it('detects a relay in the middle with its own DTLS certificates; the invite secret never reaches it', async () => {
    const { link, inviteId } = await invite();
    const mitm = await RelayInTheMiddle.start(link.peerId, link.relay.port);
    try {
      const throughMitm: InviteLink = { ...link, relay: { host: '127.0.0.1', port: mitm.port } };
      const refused = Participant.connect(throughMitm);
      await expect(refused).rejects.toMatchObject({
        type: 'agent-unverified',
        reason: 'the signature does not cover this connection',
      });
      expect(mitm.fromVictim).toEqual([]);
      expect(await uses(inviteId)).toBe(0);

      // The operator's relaying is real: a client that does not check joins through it, and
      // hands the operator the invite secret on the way.
      const unchecked = await Participant.connect(throughMitm, { verifyAgent: false });
      participants.push(unchecked);
      await expect(unchecked.join(throughMitm, 'Victim')).resolves.toMatchObject({
        role: 'coworker',
      });
      expect(mitm.fromVictim.join('')).toContain(link.secret);
      expect(await uses(inviteId)).toBe(1);
    } finally {
      await mitm.close();
    }
  });

  it('refuses a relay in the middle that keeps the agent’s proof from the participant', async () => {
    const { link, inviteId } = await invite();
    const mitm = await RelayInTheMiddle.start(link.peerId, link.relay.port, { stripProof: true });
    try {
      const throughMitm: InviteLink = { ...link, relay: { host: '127.0.0.1', port: mitm.port } };
      await expect(Participant.connect(throughMitm)).rejects.toMatchObject({
        type: 'agent-unverified',
        reason: 'no hello from the agent',
      });
      expect(mitm.fromVictim).toEqual([]);
      expect(await uses(inviteId)).toBe(0);
    } finally {
      await mitm.close();
    }
  });

  it('refuses an attacker who registers the agent’s peer id while its WebRTC process restarts; the agent comes back on it', async () => {
    const { link } = await invite();
    // Known to the relay: the agent is registered and reachable.
    const before = await Participant.connect(link);
    participants.push(before);
    const agent = agentPid(agentEnv.env) ?? 0;
    const crashed = childRunning(agent, 'peer-process');
    expect(crashed).toBeDefined();

    // The relay lets go of the id as soon as the dead process's socket closes; the agent starts
    // a new one 250 ms later. An attacker who knows the id from a link tries all along.
    const answers: (string | number)[] = [];
    let restarted = false;
    const attack = (async () => {
      while (!restarted) {
        answers.push(await register(link.relay.port, link.peerId, `attacker${answers.length}`));
      }
    })();
    process.kill(crashed ?? 0, 'SIGKILL');
    await until(() => {
      const now = childRunning(agent, 'peer-process');
      return now !== undefined && now !== crashed;
    }, 'a new peer process');
    const back = await Participant.connect(link);
    restarted = true;
    await attack;
    participants.push(back);
    await expect(back.join(link, 'Noor')).resolves.toMatchObject({ role: 'coworker' });

    expect(answers.length).toBeGreaterThan(3);
    expect(new Set(answers)).toEqual(new Set([403]));
    const log = fs.readFileSync(
      path.join(agentEnv.env.XDG_STATE_HOME ?? '', 'tandem/agent.log'),
      'utf8',
    );
    expect(log).toContain('"event":"peer.restarted"');
    expect(log).not.toContain('unavailable-id');
  });
});
