import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { PresenceServerMessage, Scope } from '../../protocol/team.js';
import type { Log } from './log.js';

/** A replica says it is alive this often; one not heard for GONE_MS is dead (SIGKILL, a cut). */
export const BEAT_MS = 1000;
export const GONE_MS = 3500;
/**
 * A replica that said goodbye (graceful shutdown) keeps its members' states this long on the
 * others, so members it handed over show no "offline" blink while they reconnect elsewhere.
 */
export const HANDOVER_MS = 5000;

/** A shared session as presence needs it (its record without `data`). */
export interface SharedSession {
  id: string;
  orgId: string;
  name: string;
  ownerId: string;
  scope: Scope;
}

/** One member's presence on one replica: the liveliest of their sockets there. */
export interface ReplicaPresence {
  id: string;
  orgId: string;
  state: 'online' | 'away' | 'offline';
  session?: SharedSession;
}

/**
 * `v`: how many changes (presence, peers) the sender has published so far. A receiver that
 * finds it missed one (a gap, or a beat ahead of what it applied: Redis was away, or a
 * subscription was not back yet) asks that replica for a snapshot, so no lost message leaves
 * a replica wrong for longer than a beat.
 */
type BusMessage =
  | { type: 'beat'; from: string; v: number }
  /** A replica (re)joined: here is my state; send me yours. */
  | { type: 'hello'; from: string; v: number; members: ReplicaPresence[]; peers: string[] }
  | { type: 'snapshot'; from: string; v: number; members: ReplicaPresence[]; peers: string[] }
  /** Send me your snapshot (I missed some of your changes). */
  | { type: 'sync'; from: string }
  | { type: 'presence'; from: string; v: number; member: ReplicaPresence }
  | { type: 'deliver'; from: string; to: string; orgId: string; message: PresenceServerMessage }
  | { type: 'directory'; from: string; orgId: string }
  | { type: 'peers'; from: string; v: number; added: string[]; removed: string[] }
  | { type: 'signal'; from: string; dst: string; text: string }
  | { type: 'bye'; from: string };

interface Replica {
  lastBeat: number;
  /** The last of its changes applied here. */
  version: number;
  /** Some of its changes were missed: asking for its snapshot until one arrives. */
  stale: boolean;
  /** When a snapshot was last asked of it. */
  syncAsked: number;
  members: Map<string, ReplicaPresence>;
  peers: Set<string>;
  /** Set after a goodbye: forget the replica at this time. */
  leavingAt?: number;
}

/** What this replica tells the others about itself, asked for when one (re)joins. */
export interface LocalState {
  members(): ReplicaPresence[];
  peers(): string[];
}

export interface ClusterEvents {
  /** A member's presence on another replica may have changed. */
  presence(memberId: string, orgId: string): void;
  /** A presence message for a member connected here (an ask or invite from another replica). */
  deliver(to: string, orgId: string, message: PresenceServerMessage): void;
  /** An organization's directory changed on another replica (an enrolment). */
  directory(orgId: string): void;
  /** A PeerJS signalling message for a peer connected here. */
  signal(dst: string, text: string): void;
}

/**
 * Relay replicas behind one address, sharing what lives in a process's memory through Redis
 * pub/sub: who is online (and in which session), asks and invites, directory changes, and
 * PeerJS signalling between peers on different replicas (docs/relay.md, "Scale-out").
 *
 * Each replica publishes changes to its own members and peers; every replica keeps the others'
 * in memory, rebuilt from snapshots when one joins or Redis comes back, and forgets a replica
 * it has not heard from in 3.5 s. Nothing is stored in Redis: a Redis restart loses nothing a
 * snapshot exchange does not restore.
 */
export class Cluster {
  readonly replicaId = randomBytes(6).toString('hex');
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly replicas = new Map<string, Replica>();
  /** Which replica each remote PeerJS id is connected to. */
  private readonly peerOwners = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;
  private local: LocalState = { members: () => [], peers: () => [] };
  private events: Partial<ClusterEvents> = {};
  private readonly channel: string;
  /** How many changes this replica has published (see BusMessage). */
  private version = 0;
  private lastError = '';
  private closed = false;

  constructor(
    url: string,
    private readonly log: Log,
    prefix = 'tandem',
  ) {
    this.channel = `${prefix}:all`;
    const options = {
      // Publishing into a queue while Redis is away would replay stale states on return;
      // fail at once instead (a snapshot exchange resynchronizes when it is back).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(100 * times, 1000),
      lazyConnect: true,
    };
    this.pub = new Redis(url, options);
    this.sub = new Redis(url, { ...options, enableOfflineQueue: true });
    for (const client of [this.pub, this.sub]) {
      client.on('error', (error: Error) => {
        if (error.message !== this.lastError) this.log('redis.error', { error: error.message });
        this.lastError = error.message;
      });
    }
    // (Re)connected: say hello, once both connections are up and the subscriptions are back
    // (ioredis resubscribes on its own), so the snapshots the others answer with arrive.
    for (const client of [this.pub, this.sub]) client.on('ready', () => this.helloSoon());
    this.sub.on('message', (channel: string, text: string) => this.receive(channel, text));
    this.timer = setInterval(() => this.tick(), BEAT_MS);
    this.timer.unref();
  }

  /**
   * Connects to Redis. Waits up to 3 s for it; a relay that cannot reach Redis yet starts
   * anyway (its own members work) and joins the others when Redis answers.
   */
  async start(local: LocalState, events: Partial<ClusterEvents>): Promise<void> {
    this.local = local;
    this.events = events;
    this.pub.connect().catch(() => undefined);
    this.sub.connect().catch(() => undefined);
    const subscribed = this.sub.subscribe(this.channel, this.direct(this.replicaId));
    await Promise.race([
      subscribed.catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 3000).unref()),
    ]);
  }

  private helloTimer: NodeJS.Timeout | undefined;

  private helloSoon(): void {
    clearTimeout(this.helloTimer);
    this.helloTimer = setTimeout(() => {
      if (this.pub.status !== 'ready' || this.sub.status !== 'ready') return;
      this.lastError = '';
      this.log('redis.ready', { replica: this.replicaId });
      this.send(this.snapshot('hello'));
    }, 200);
    this.helloTimer.unref();
  }

  /** For /health: whether Redis answers, and how many other replicas this one hears. */
  status(): { ok: boolean; replicas: number; error?: string } {
    const ok = this.pub.status === 'ready' && this.sub.status === 'ready';
    return {
      ok,
      replicas: this.replicas.size,
      ...(ok ? {} : { error: this.lastError || `Redis connection ${this.sub.status}` }),
    };
  }

  /** The liveliest state a member has on the other replicas. */
  remote(memberId: string): ReplicaPresence | undefined {
    let best: ReplicaPresence | undefined;
    for (const replica of this.replicas.values()) {
      const here = replica.members.get(memberId);
      if (here === undefined || here.state === 'offline') continue;
      if (best === undefined || (best.state === 'away' && here.state === 'online')) best = here;
      else if (
        best.session === undefined &&
        here.session !== undefined &&
        here.state === best.state
      )
        best = here;
    }
    return best;
  }

  /** The replica a PeerJS id is connected to, if another one. */
  peerReplica(peerId: string): string | undefined {
    return this.peerOwners.get(peerId);
  }

  announcePresence(member: ReplicaPresence): void {
    this.version += 1;
    this.send({ type: 'presence', from: this.replicaId, v: this.version, member });
  }

  announcePeers(added: string[], removed: string[]): void {
    this.version += 1;
    this.send({ type: 'peers', from: this.replicaId, v: this.version, added, removed });
  }

  deliver(to: string, orgId: string, message: PresenceServerMessage): void {
    this.send({ type: 'deliver', from: this.replicaId, to, orgId, message });
  }

  directoryChanged(orgId: string): void {
    this.send({ type: 'directory', from: this.replicaId, orgId });
  }

  /** Sends a signalling message to the replica that holds `dst`. */
  signal(replica: string, dst: string, text: string): void {
    this.send({ type: 'signal', from: this.replicaId, dst, text }, this.direct(replica));
  }

  /** Says goodbye (graceful shutdown): the others keep our members' states for a handover. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.helloTimer);
    if (this.pub.status === 'ready') {
      await this.pub
        .publish(this.channel, JSON.stringify({ type: 'bye', from: this.replicaId }))
        .catch(() => undefined);
    }
    this.pub.disconnect();
    this.sub.disconnect();
  }

  private direct(replica: string): string {
    return `${this.channel.replace(/:all$/, '')}:replica:${replica}`;
  }

  private send(message: BusMessage, channel = this.channel): void {
    if (this.closed || this.pub.status !== 'ready') return;
    this.pub.publish(channel, JSON.stringify(message)).catch(() => undefined);
  }

  private tick(): void {
    this.send({ type: 'beat', from: this.replicaId, v: this.version });
    const now = Date.now();
    for (const [id, replica] of this.replicas) {
      const gone = replica.leavingAt ?? replica.lastBeat + GONE_MS;
      if (now >= gone) this.forget(id, replica.leavingAt === undefined ? 'silent' : 'left');
    }
  }

  private replica(id: string): Replica {
    let replica = this.replicas.get(id);
    if (replica === undefined) {
      replica = {
        lastBeat: Date.now(),
        version: 0,
        stale: true,
        syncAsked: 0,
        members: new Map(),
        peers: new Set(),
      };
      this.replicas.set(id, replica);
      this.log('replica.joined', { replica: id });
    }
    return replica;
  }

  /** This replica's state, for another that (re)joined. */
  private snapshot(type: 'hello' | 'snapshot'): BusMessage {
    return {
      type,
      from: this.replicaId,
      v: this.version,
      members: this.local.members(),
      peers: this.local.peers(),
    };
  }

  /** Asks a replica whose changes this one missed for its snapshot (at most once a second). */
  private resync(id: string, replica: Replica): void {
    const now = Date.now();
    if (now - replica.syncAsked < BEAT_MS) return;
    replica.syncAsked = now;
    this.send({ type: 'sync', from: this.replicaId }, this.direct(id));
  }

  /** These peers are no longer on `replica` (unless another replica has claimed them since). */
  private disown(replica: string, peers: Iterable<string>): void {
    for (const peer of peers)
      if (this.peerOwners.get(peer) === replica) this.peerOwners.delete(peer);
  }

  /** A change numbered `v` arrived: applied, and a snapshot asked for if one was missed. */
  private sequence(id: string, replica: Replica, v: number): void {
    if (v !== replica.version + 1) replica.stale = true;
    if (replica.stale) this.resync(id, replica);
    replica.version = v;
  }

  private forget(id: string, why: string): void {
    const replica = this.replicas.get(id);
    if (replica === undefined) return;
    this.replicas.delete(id);
    this.log('replica.gone', { replica: id, why });
    this.disown(id, replica.peers);
    for (const member of replica.members.values()) this.events.presence?.(member.id, member.orgId);
  }

  private receive(_channel: string, text: string): void {
    let message: BusMessage;
    try {
      message = JSON.parse(text) as BusMessage;
    } catch {
      return;
    }
    if (message.from === this.replicaId) return;
    if (message.type === 'bye') {
      const replica = this.replicas.get(message.from);
      if (replica !== undefined) replica.leavingAt = Date.now() + HANDOVER_MS;
      return;
    }
    const replica = this.replica(message.from);
    replica.lastBeat = Date.now();
    switch (message.type) {
      case 'beat':
        if (replica.stale || message.v !== replica.version) {
          replica.stale = true;
          this.resync(message.from, replica);
        }
        return;
      case 'sync':
        this.send(this.snapshot('snapshot'), this.direct(message.from));
        return;
      case 'hello':
      case 'snapshot': {
        replica.version = message.v;
        replica.stale = false;
        const before = [...replica.members.values()];
        replica.members = new Map(message.members.map((m) => [m.id, m]));
        this.disown(message.from, replica.peers);
        replica.peers = new Set(message.peers);
        for (const peer of message.peers) this.peerOwners.set(peer, message.from);
        for (const m of [...before, ...message.members]) this.events.presence?.(m.id, m.orgId);
        if (message.type === 'hello')
          this.send(this.snapshot('snapshot'), this.direct(message.from));
        return;
      }
      case 'presence':
        this.sequence(message.from, replica, message.v);
        if (message.member.state === 'offline') replica.members.delete(message.member.id);
        else replica.members.set(message.member.id, message.member);
        this.events.presence?.(message.member.id, message.member.orgId);
        return;
      case 'peers':
        this.sequence(message.from, replica, message.v);
        for (const peer of message.added) {
          replica.peers.add(peer);
          this.peerOwners.set(peer, message.from);
        }
        for (const peer of message.removed) replica.peers.delete(peer);
        this.disown(message.from, message.removed);
        return;
      case 'deliver':
        this.events.deliver?.(message.to, message.orgId, message.message);
        return;
      case 'directory':
        this.events.directory?.(message.orgId);
        return;
      case 'signal':
        this.events.signal?.(message.dst, message.text);
        return;
    }
  }
}
