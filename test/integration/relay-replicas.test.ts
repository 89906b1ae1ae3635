/**
 * Relay replicas (docs/relay.md, "Scale-out"): two `tandem-relay serve` processes on one
 * PostgreSQL and one Redis, behind a TCP balancer, with real members' sockets, a real agent and
 * a real guest. Presence and signalling cross replicas; a replica killed with SIGKILL or shut
 * down loses its members to the other within 5 s, and nobody sees them blink offline.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Enrolment } from '../../protocol/team.js';
import type { AgentEvent } from '../../protocol/index.js';
import { makeAgentEnv, spawnHost } from '../fixtures/agent.js';
import { Balancer } from '../fixtures/balancer.js';
import { Participant, parseInviteUrl, until } from '../fixtures/participant.js';
import { freePort } from '../fixtures/ports.js';
import { startPostgres, type Postgres } from '../fixtures/postgres.js';
import { RedisServer } from '../fixtures/redis.js';
import { PresenceClient, TeamRelayProcess } from '../fixtures/team-relay.js';

let postgres: Postgres;
let redis: RedisServer;
let a: TeamRelayProcess;
let b: TeamRelayProcess;
let balancer: Balancer;
let storeUrl: string;
const clients: PresenceClient[] = [];

interface Health {
  ok: boolean;
  replica: string;
  connectedMembers: number;
  redis: { ok: boolean; replicas: number; error?: string };
}

async function health(relay: TeamRelayProcess): Promise<Health> {
  return (await (await fetch(`${relay.url}/health`)).json()) as Health;
}

async function replica(port: number): Promise<TeamRelayProcess> {
  return TeamRelayProcess.start(
    { TANDEM_RELAY_PRESENCE_TIMEOUT_MS: '3000' },
    ['--redis', redis.url, '--public-url', `http://127.0.0.1:${balancerPort}`],
    { storeUrl, port },
  );
}

let balancerPort = 0;

async function connect(url: string, who: Enrolment, reconnect = false): Promise<PresenceClient> {
  const client = await PresenceClient.connect(url, who.token, 'online', undefined, { reconnect });
  client.beatEvery(1000);
  clients.push(client);
  await client.until(() => client.heard.find((m) => m.type === 'roster'), 5000, 'a roster');
  return client;
}

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), RedisServer.start()]);
  storeUrl = await postgres.createDatabase();
  const ports = [await freePort(), await freePort()] as const;
  balancer = await Balancer.start([...ports]);
  balancerPort = balancer.port;
  a = await replica(ports[0]);
  b = await replica(ports[1]);
  await a.setUp('Acme', ['Ops', 'Dev']);
  await until(
    async () => {
      const [ha, hb] = await Promise.all([health(a), health(b)]);
      return ha.redis.replicas === 1 && hb.redis.replicas === 1;
    },
    'the replicas to hear each other',
    5000,
  );
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await balancer?.close();
  await a?.close();
  await b?.close();
  await redis?.stop();
  await postgres?.close();
}, 30_000);

describe('two replicas on one PostgreSQL and one Redis', () => {
  it('shows a member on replica A to a teammate on replica B, each change within a second', async () => {
    const ada = await a.enrolMember('Ada', ['Ops']);
    const bob = await a.enrolMember('Bob', ['Ops']);
    const bobOnB = await connect(b.url, bob);
    const adaOnA = await connect(a.url, ada);
    expect((await health(a)).connectedMembers).toBe(1);
    expect((await health(b)).connectedMembers).toBe(1);

    const sees = async (state: string) => {
      const since = Date.now();
      await bobOnB.until(() => bobOnB.stateOf(ada.member.id) === state, 3000, `Ada ${state}`);
      return Date.now() - since;
    };
    expect(await sees('online')).toBeLessThan(1000);
    adaOnA.send({ type: 'beat', state: 'away' });
    expect(await sees('away')).toBeLessThan(1000);
    adaOnA.send({ type: 'beat', state: 'online' });
    expect(await sees('online')).toBeLessThan(1000);

    // An ask crosses replicas to the member's socket, and a session shared with the team shows.
    bobOnB.send({ type: 'ask', to: ada.member.id });
    await adaOnA.until(
      () => adaOnA.heard.find((m) => m.type === 'ask' && m.from === bob.member.id),
      2000,
      'the ask from Bob',
    );
    const shared = await fetch(`${a.url}/api/resources`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ada.token}` },
      body: JSON.stringify({
        kind: 'session',
        name: 'core-sw1 console',
        scope: { kind: 'team', teamId: ada.member.teams[0] },
      }),
    });
    const session = (await shared.json()) as { id: string };
    adaOnA.send({ type: 'session', resourceId: session.id });
    await bobOnB.until(
      () => bobOnB.changes().find((c) => c.id === ada.member.id && c.session?.id === session.id),
      2000,
      'Ada’s session',
    );

    // A teammate in another team, on replica B, is told Ada is online but not what she shares.
    const dev = await a.enrolMember('Dee', ['Dev']);
    const deeOnB = await connect(b.url, dev);
    const entry = await deeOnB.until(() => {
      const roster = deeOnB.heard.find((m) => m.type === 'roster');
      return roster?.type === 'roster'
        ? roster.members.find((m) => m.id === ada.member.id)
        : undefined;
    });
    expect(entry.state).toBe('online');
    expect(entry.session).toBeUndefined();

    adaOnA.close();
    expect(await sees('offline')).toBeLessThan(1000);
  });

  it('cuts a member removed by an admin command on whichever replica holds them', async () => {
    const cy = await a.enrolMember('Cy', ['Ops']);
    const watcher = await a.enrolMember('Wendy', ['Ops']);
    const cyOnB = await connect(b.url, cy);
    const wendyOnA = await connect(a.url, watcher);
    await wendyOnA.until(() => wendyOnA.stateOf(cy.member.id) === 'online', 2000, 'Cy online');
    const since = Date.now();
    await a.admin('member', 'remove', 'Cy');
    await cyOnB.until(() => cyOnB.closeCode === 4403, 3000, 'Cy cut');
    await wendyOnA.until(() => wendyOnA.stateOf(cy.member.id) !== 'online', 3000, 'Cy gone');
    expect(Date.now() - since).toBeLessThan(3000);
  });

  it('joins a guest on replica B to an agent registered on replica A (signalling through Redis)', async () => {
    const owner = await a.enrolMember('Olga', ['Ops']);
    const guest = await a.enrolMember('Gus', ['Ops']);
    const agentEnv = makeAgentEnv();
    const host = spawnHost(agentEnv.env);
    let participant: Participant | undefined;
    try {
      const { sessionId } = await host.client.request('session.open', {
        device: { kind: 'pty', shell: '/bin/bash', args: ['--norc', '--noprofile'] },
        cols: 80,
        rows: 24,
      });
      await host.client.request('session.attach', { sessionId });
      // The agent signals through replica A only.
      await host.client.request('sharing.configure', {
        team: { relayUrl: a.url, displayName: 'Olga', iceServers: [], token: owner.token },
      });
      const { url } = await host.client.request('invite.create', { sessionId, role: 'viewer' });
      const link = parseInviteUrl(url);
      // The guest's signalling goes to replica B, which has never seen the agent.
      const viaB = { ...link, relay: { ...link.relay, port: b.port } };
      await until(
        async () => {
          const response = await fetch(`${b.url}/ice?peer=${link.peerId}`);
          return response.status === 200;
        },
        'B to know the agent’s peer id',
        5000,
      );
      // Gus's ticket comes from replica B; Olga's agent redeems it at replica A.
      const ticketResponse = await fetch(`${b.url}/api/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${guest.token}` },
        body: JSON.stringify({ audience: link.peerId }),
      });
      const { ticket } = (await ticketResponse.json()) as { ticket: string };
      participant = await Participant.connect(viaB);
      await participant.join(viaB, 'Someone', undefined, ticket);
      const events: AgentEvent[] = [];
      participant.onEvent((event) => events.push(event));
      await participant.request('session.attach', { sessionId });
      await host.client.request('session.input', { sessionId, data: 'echo across-$((6*7))\r' });
      const output = () =>
        events
          .flatMap((e) =>
            (e.type === 'session.output' || e.type === 'session.snapshot') &&
            e.sessionId === sessionId
              ? [e.data]
              : [],
          )
          .join('');
      await until(
        async () => /across-42/.test(output()),
        'the guest to see the command’s output',
        15_000,
      );
      const people = events.flatMap((e) =>
        e.type === 'session.participants' ? e.participants : [],
      );
      expect(people.find((p) => p.role === 'owner')?.name).toBe('Olga');
    } finally {
      participant?.close();
      await host.close();
      await agentEnv.cleanup();
    }
  }, 60_000);
  it('forwards a peer’s signalling under the id it registered, whatever src it claims', async () => {
    // Raw PeerJS clients: a victim on replica A, an attacker on replica B.
    const register = async (relay: TeamRelayProcess, id: string) => {
      const socket = new WebSocket(
        `${relay.url.replace(/^http/, 'ws')}/peer/peerjs?key=peerjs&id=${id}&token=t-${id}`,
      );
      const heard: { type: string; src?: string; payload?: unknown }[] = [];
      socket.on('message', (data) =>
        heard.push(JSON.parse(String(data)) as (typeof heard)[number]),
      );
      await until(() => heard.some((m) => m.type === 'OPEN'), `${id} registered`, 5000);
      return { socket, heard };
    };
    const victim = await register(a, 'victim-on-a');
    const attacker = await register(b, 'mallory-on-b');
    try {
      const offer = JSON.stringify({
        type: 'OFFER',
        dst: 'victim-on-a',
        src: 'tandem-0123456789abcdef0123456789abcdef',
        payload: { note: 'spoofed' },
      });
      // Until replica B has heard (through Redis) where the victim is.
      await until(
        () => {
          attacker.socket.send(offer);
          return victim.heard.some((m) => m.type === 'OFFER');
        },
        'the offer to cross replicas',
        5000,
      );
      const offers = victim.heard.filter((m) => m.type === 'OFFER');
      expect(offers.length).toBeGreaterThan(0);
      for (const m of offers) expect(m.src).toBe('mallory-on-b');
    } finally {
      victim.socket.terminate();
      attacker.socket.terminate();
    }
  });
});

describe('faults', () => {
  it('moves members off a replica killed with SIGKILL within 5 s, and presence converges', async () => {
    const eve = await a.enrolMember('Eve', ['Ops']);
    const fay = await a.enrolMember('Fay', ['Ops']);
    // Through the balancer, as members connect: one lands on each replica.
    const first = await connect(balancer.url, eve, true);
    const second = await connect(balancer.url, fay, true);
    const [ha, hb] = [await health(a), await health(b)];
    expect(ha.connectedMembers).toBeGreaterThan(0);
    expect(hb.connectedMembers).toBeGreaterThan(0);
    await first.until(() => first.stateOf(fay.member.id) === 'online', 2000, 'Fay online');
    // Kill the replica Eve is on.
    const eveOnA = balancer.routed.at(-2) === a.port;
    const victim = eveOnA ? a : b;
    const survivor = eveOnA ? b : a;
    const killedAt = Date.now();
    await victim.stop('SIGKILL');
    await first.until(
      () => first.opened.length === 2 && first.stateOf(eve.member.id) === 'online',
      5000,
      'Eve back',
    );
    expect(Date.now() - killedAt).toBeLessThan(5000);
    // Fay (on the survivor) sees Eve online, and Eve sees Fay: presence converged.
    await second.until(() => second.stateOf(eve.member.id) === 'online', 5000, 'Eve online to Fay');
    await first.until(() => first.stateOf(fay.member.id) === 'online', 5000, 'Fay online to Eve');
    await until(
      async () => {
        const h = await health(survivor);
        return h.redis.ok && h.redis.replicas === 0;
      },
      'the survivor to count the dead replica gone',
      5000,
    );

    // The killed replica comes back and the two find each other again.
    await victim.serve();
    await until(
      async () => {
        const [x, y] = await Promise.all([health(a), health(b)]);
        return x.redis.replicas === 1 && y.redis.replicas === 1;
      },
      'the replicas to hear each other again',
      5000,
    );
    first.close();
    second.close();
  }, 60_000);

  it('hands members over on a graceful shutdown: reconnected within 5 s, never seen offline', async () => {
    const gil = await a.enrolMember('Gil', ['Ops']);
    const hal = await a.enrolMember('Hal', ['Ops']);
    const gilOnA = await connect(a.url, gil);
    // Hal connects through the balancer; his replica will shut down.
    const halClient = await connect(balancer.url, hal, true);
    const halOn = balancer.routed.at(-1) === a.port ? a : b;
    const watcher =
      halOn === a ? await connect(b.url, await a.enrolMember('Ivy', ['Ops'])) : gilOnA;
    await watcher.until(() => watcher.stateOf(hal.member.id) === 'online', 2000, 'Hal online');
    const heardBefore = watcher.heard.length;
    const stoppedAt = Date.now();
    await halOn.stop('SIGTERM');
    const welcomes = () => halClient.heard.filter((m) => m.type === 'welcome').length;
    await halClient.until(() => welcomes() === 2, 5000, 'Hal welcomed by the other replica');
    expect(halClient.closeCode).toBe(1012);
    expect(Date.now() - stoppedAt).toBeLessThan(5000);
    // Wait past the handover window: the watcher never heard Hal go offline.
    await new Promise((resolve) => setTimeout(resolve, 5500));
    const after = watcher.changes(heardBefore);
    expect(after.filter((c) => c.id === hal.member.id && c.state === 'offline')).toEqual([]);
    expect(watcher.stateOf(hal.member.id)).toBe('online');
    await halOn.serve();
    halClient.close();
  }, 60_000);

  it('says when it has lost Redis, and converges again when Redis is back', async () => {
    const jo = await a.enrolMember('Jo', ['Ops']);
    const kim = await a.enrolMember('Kim', ['Ops']);
    await until(
      async () => {
        const [x, y] = await Promise.all([health(a), health(b)]);
        return x.redis.replicas === 1 && y.redis.replicas === 1;
      },
      'the replicas to hear each other',
      10_000,
    );
    const joOnA = await connect(a.url, jo);
    const kimOnB = await connect(b.url, kim);
    await kimOnB.until(() => kimOnB.stateOf(jo.member.id) === 'online', 2000, 'Jo online');

    await redis.stop();
    let down: Health | undefined;
    await until(
      async () => {
        const [x, y] = await Promise.all([health(a), health(b)]);
        down = x;
        return !x.redis.ok && !y.redis.ok;
      },
      'both replicas to report Redis down',
      5000,
    );
    expect(down?.ok).toBe(true); // still serving its own members
    expect(down?.redis.error).toMatch(/ECONNREFUSED|Connection|closed/i);
    // Members keep working on their own replica meanwhile.
    joOnA.send({ type: 'beat', state: 'away' });
    await new Promise((resolve) => setTimeout(resolve, 500));

    await redis.start();
    await until(
      async () => {
        const [x, y] = await Promise.all([health(a), health(b)]);
        return x.redis.ok && y.redis.ok && x.redis.replicas === 1 && y.redis.replicas === 1;
      },
      'both replicas to report Redis back',
      10_000,
    );
    // The change made while Redis was away reaches the other replica on the resync.
    await kimOnB.until(() => kimOnB.stateOf(jo.member.id) === 'away', 3000, 'Jo away after resync');
  }, 60_000);
});
