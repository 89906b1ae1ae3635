import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  PRESENCE_TIMEOUT_MS,
  presenceClientSchema,
  type PresenceServerMessage,
  type PresenceState,
  type SharedSessionInfo,
  type TeamInfo,
} from '../../protocol/team.js';
import { canSee, hashToken, memberInfo, type Directory } from './directory.js';
import type { Cluster, ReplicaPresence, SharedSession } from './cluster.js';
import type { Log } from './log.js';
import { RateLimiter } from './rate.js';
import type { MemberRecord, ResourceRecord } from './store.js';

/** Close codes a member's client acts on: 4401 and 4403 mean "enrol again", not "retry". */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_REMOVED = 4403;
export const CLOSE_SILENT = 4408;
export const CLOSE_RATE = 4429;
const HELLO_TIMEOUT_MS = 5000;
/** Presence changes go out at most this often (batched while the hub is busy). */
const FLUSH_MS = 50;
const MAX_MESSAGE_BYTES = 4096;

interface Connection {
  socket: WebSocket;
  member: MemberRecord;
  tokenHash: string;
  state: 'online' | 'away';
  lastBeat: number;
}

/** A member's state, with the session they are in (if they are not offline). */
interface Presence {
  state: PresenceState;
  session?: SharedSession;
}

const LIVELINESS: Record<PresenceState, number> = { offline: 0, away: 1, online: 2 };

/**
 * The presence hub: one WebSocket per member's browser (`/presence`), authenticated by the
 * member token in the first message (never in the URL, which proxies log). A member's state is
 * the liveliest of their sockets; no beat for 30 s and that socket is offline. Every change goes
 * to every connected member of the same organization, each seeing a shared session only if it
 * is shared with a scope they belong to.
 */
export class PresenceHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly byMember = new Map<string, Set<Connection>>();
  private readonly published = new Map<string, Presence>();
  /** The session resource each member connected here says they are in. */
  private readonly sessions = new Map<string, SharedSession>();
  /** What this replica last told the others about each member (state and session). */
  private readonly announced = new Map<string, string>();
  private readonly cluster: Cluster | undefined;
  private readonly failures: RateLimiter;
  private readonly messages = new RateLimiter(40, 250);
  private readonly asks = new RateLimiter(10, 6000);
  private readonly sweeper: NodeJS.Timeout;
  private readonly watcher: NodeJS.Timeout;
  private revision = -1;
  /** Each organization's members, read once per directory change (a reconnect storm reads it
   * a thousand times). */
  private readonly members = new Map<string, Promise<{ id: string; head: string }[]>>();
  private reconciling = false;
  private handingOver = false;
  /** Members whose state may have changed since the last flush, with their organization. */
  private readonly pending = new Map<string, string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private lastFlush = 0;

  constructor(
    private readonly directory: Directory,
    private readonly log: Log,
    options: {
      authFailures: RateLimiter;
      timeoutMs?: number;
      watchMs?: number;
      cluster?: Cluster;
    },
  ) {
    this.failures = options.authFailures;
    this.cluster = options.cluster;
    const timeoutMs = options.timeoutMs ?? PRESENCE_TIMEOUT_MS;
    this.sweeper = setInterval(() => this.sweep(timeoutMs), Math.min(1000, timeoutMs / 4));
    this.sweeper.unref();
    this.watcher = setInterval(() => void this.reconcile(), options.watchMs ?? 500);
    this.watcher.unref();
    void this.directory.store.revision().then((r) => (this.revision = r));
  }

  /** Members with at least one live socket here. */
  get connectedMembers(): number {
    return this.byMember.size;
  }

  /** What the other replicas need to know about this one's members (on their hello). */
  localPresence(): ReplicaPresence[] {
    const out: ReplicaPresence[] = [];
    for (const [id, mine] of this.byMember) {
      const first = mine.values().next().value;
      if (first !== undefined) out.push(this.localEntry(id, first.member.orgId));
    }
    return out;
  }

  /** Another replica's member changed: tell ours, if what they see changed. */
  remoteChanged(memberId: string, orgId: string): void {
    this.publish(memberId, orgId);
  }

  /** An ask or invite from another replica for a member connected here. */
  deliverLocal(to: string, orgId: string, message: PresenceServerMessage): void {
    for (const c of this.byMember.get(to) ?? [])
      if (c.member.orgId === orgId) send(c.socket, message);
  }

  /**
   * Graceful shutdown: every member is told to reconnect (1012, "service restart"), which
   * the load balancer sends to another replica; the others keep their states meanwhile.
   */
  handOver(): void {
    // Their sockets' closes must not reach the other replicas as "offline": they are keeping
    // these members' states through the handover.
    this.handingOver = true;
    for (const mine of this.byMember.values())
      for (const c of mine) c.socket.close(1012, 'This relay is restarting: reconnect');
  }

  handleUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer, ip: string): void {
    // An address that keeps presenting bad tokens waits before it may try again.
    if (this.failures.wait(ip) > 0) {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nconnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, ip));
  }

  private accept(socket: WebSocket, ip: string): void {
    socket.on('error', () => socket.terminate());
    const timer = setTimeout(
      () => socket.close(CLOSE_UNAUTHORIZED, 'No hello within 5 s'),
      HELLO_TIMEOUT_MS,
    );
    socket.once('message', (data, isBinary) => {
      clearTimeout(timer);
      void this.hello(socket, ip, isBinary ? undefined : data.toString());
    });
  }

  private async hello(socket: WebSocket, ip: string, text: string | undefined): Promise<void> {
    const message = parse(text);
    const member =
      message?.type === 'hello' ? await this.directory.authenticate(message.token) : undefined;
    if (message?.type !== 'hello' || member === undefined) {
      this.failures.take(ip);
      this.log('presence.refused', { ip });
      send(socket, {
        type: 'error',
        message:
          'This relay does not know your member token: enrol again with a new link from your admin',
      });
      socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized');
      return;
    }
    if (socket.readyState !== socket.OPEN) return;
    const connection: Connection = {
      socket,
      member,
      tokenHash: hashToken(message.token),
      state: message.state,
      lastBeat: Date.now(),
    };
    const mine = this.byMember.get(member.id) ?? new Set<Connection>();
    mine.add(connection);
    this.byMember.set(member.id, mine);
    socket.on('message', (data, isBinary) => this.receive(connection, data, isBinary));
    socket.on('close', () => this.drop(connection));
    this.log('presence.connected', { member: member.id });
    this.announce(member.id, member.orgId);
    const org = await this.directory.orgById(member.orgId);
    const teams = await this.directory.teams(member.orgId);
    send(socket, {
      type: 'welcome',
      you: memberInfo(member),
      org: { id: org.id, name: org.name },
      teams,
    });
    sendText(socket, await this.rosterText(member, teams));
    this.publish(member.id, member.orgId);
  }

  private receive(connection: Connection, data: unknown, isBinary: boolean): void {
    const { socket, member } = connection;
    if (this.messages.take(member.id) > 0) {
      socket.close(CLOSE_RATE, 'Too many messages');
      return;
    }
    connection.lastBeat = Date.now();
    const message = isBinary ? undefined : parse(String(data));
    if (message === undefined) {
      send(socket, { type: 'error', message: 'Not a presence message' });
      return;
    }
    switch (message.type) {
      case 'hello':
        send(socket, { type: 'error', message: 'Already said hello' });
        return;
      case 'beat':
        connection.state = message.state;
        this.changed(member);
        return;
      case 'session':
        void this.setSession(connection, message.resourceId);
        return;
      case 'ask':
      case 'invite': {
        const target = this.byMember.get(message.to);
        const first = target?.values().next().value;
        const remote = first === undefined ? this.cluster?.remote(message.to) : undefined;
        const orgId = first?.member.orgId ?? remote?.orgId;
        if (orgId !== member.orgId) {
          send(socket, { type: 'error', message: 'That teammate is not online' });
          return;
        }
        if (this.asks.take(member.id) > 0) {
          send(socket, { type: 'error', message: 'Too many asks: wait a few seconds' });
          return;
        }
        const forward: PresenceServerMessage =
          message.type === 'ask'
            ? { type: 'ask', from: member.id }
            : { type: 'invite', from: member.id, url: message.url, role: message.role };
        if (target !== undefined) for (const c of target) send(c.socket, forward);
        else this.cluster?.deliver(message.to, orgId, forward);
        return;
      }
    }
  }

  private async setSession(connection: Connection, resourceId: string | null): Promise<void> {
    const { member } = connection;
    if (resourceId === null) {
      this.sessions.delete(member.id);
    } else {
      const resource = await this.directory.store.getResource(resourceId);
      if (resource === undefined || resource.kind !== 'session' || resource.ownerId !== member.id) {
        send(connection.socket, { type: 'error', message: 'Share the session first' });
        return;
      }
      this.sessions.set(member.id, shared(resource));
    }
    this.changed(member);
  }

  private drop(connection: Connection): void {
    const mine = this.byMember.get(connection.member.id);
    if (mine === undefined || !mine.has(connection)) return;
    mine.delete(connection);
    if (mine.size === 0) {
      this.byMember.delete(connection.member.id);
      this.sessions.delete(connection.member.id);
    }
    this.log('presence.closed', { member: connection.member.id });
    this.changed(connection.member);
  }

  private localState(memberId: string): PresenceState {
    const mine = this.byMember.get(memberId);
    if (mine === undefined) return 'offline';
    for (const c of mine) if (c.state === 'online') return 'online';
    return 'away';
  }

  /** A member's state on this replica, and the session they said they are in. */
  private localPresenceOf(memberId: string): Presence {
    const state = this.localState(memberId);
    const session = state === 'offline' ? undefined : this.sessions.get(memberId);
    return session === undefined ? { state } : { state, session };
  }

  private localEntry(memberId: string, orgId: string): ReplicaPresence {
    return { id: memberId, orgId, ...this.localPresenceOf(memberId) };
  }

  /**
   * A member's state across every replica: the liveliest. Their session is the liveliest
   * replica's; when this one is as lively, its own or else the others'.
   */
  private presenceOf(memberId: string): Presence {
    const local = this.localPresenceOf(memberId);
    const remote = this.cluster?.remote(memberId);
    if (remote !== undefined && LIVELINESS[remote.state] > LIVELINESS[local.state])
      return remote.session === undefined
        ? { state: remote.state }
        : { state: remote.state, session: remote.session };
    const session = local.session ?? remote?.session;
    return session === undefined ? { state: local.state } : { state: local.state, session };
  }

  /** A member connected here changed: tell the other replicas, then this one's members. */
  private changed(member: MemberRecord): void {
    this.announce(member.id, member.orgId);
    this.publish(member.id, member.orgId);
  }

  private announce(memberId: string, orgId: string): void {
    if (this.cluster === undefined || this.handingOver) return;
    const entry = this.localEntry(memberId, orgId);
    const key = `${entry.state}/${entry.session?.id ?? ''}`;
    if (this.announced.get(memberId) === key) return;
    if (entry.state === 'offline') this.announced.delete(memberId);
    else this.announced.set(memberId, key);
    this.cluster.announcePresence(entry);
  }

  /**
   * Tells the member's organization their state, if it changed: at once when the hub is quiet,
   * and at most every FLUSH_MS when it is busy (a reconnect storm), several changes to a message.
   * One message per change to every member is what made a storm quadratic in messages.
   */
  private publish(memberId: string, orgId: string): void {
    this.pending.set(memberId, orgId);
    if (this.flushTimer !== undefined) return;
    const wait = Math.max(0, this.lastFlush + FLUSH_MS - Date.now());
    this.flushTimer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.flushTimer = undefined;
    this.lastFlush = Date.now();
    const byOrg = new Map<
      string,
      { id: string; state: PresenceState; session?: SharedSession }[]
    >();
    for (const [memberId, orgId] of this.pending) {
      const { state, session } = this.presenceOf(memberId);
      const before = this.published.get(memberId);
      if (before?.state === state && before.session?.id === session?.id) continue;
      if (state === 'offline') this.published.delete(memberId);
      else this.published.set(memberId, session === undefined ? { state } : { state, session });
      const changes = byOrg.get(orgId) ?? [];
      changes.push(
        session === undefined ? { id: memberId, state } : { id: memberId, state, session },
      );
      byOrg.set(orgId, changes);
    }
    this.pending.clear();
    for (const [orgId, changes] of byOrg) this.sendChanges(orgId, changes);
  }

  /**
   * Sends an organization's changes to its members here, each seeing a session only if it is
   * shared with a scope they are in. Readers who may see the same sessions share one string.
   */
  private sendChanges(
    orgId: string,
    changes: { id: string; state: PresenceState; session?: SharedSession }[],
  ): void {
    const withSessions = changes.filter((c) => c.session !== undefined);
    // Encoded once per distinct text, not once per reader.
    const texts = new Map<string, Buffer>();
    const text = (reader: MemberRecord): Buffer => {
      const key =
        withSessions.length === 0
          ? ''
          : withSessions
              .map((c) => (c.session !== undefined && canSee(reader, c.session) ? '1' : '0'))
              .join('');
      let out = texts.get(key);
      if (out === undefined) {
        const entries = changes.map(({ id, state, session }) =>
          session !== undefined && canSee(reader, session)
            ? { id, state, session: sessionInfo(session) }
            : { id, state },
        );
        out = Buffer.from(
          JSON.stringify(
            entries.length === 1
              ? { type: 'presence', ...entries[0] }
              : { type: 'presences', members: entries },
          ),
        );
        texts.set(key, out);
      }
      return out;
    };
    for (const mine of this.byMember.values()) {
      for (const c of mine) {
        if (c.member.orgId !== orgId || c.socket.readyState !== c.socket.OPEN) continue;
        c.socket.send(text(c.member), { binary: false });
      }
    }
  }

  /**
   * The roster as this reader may see it, as JSON text. Each member's unchanging part is
   * serialized once per directory change: a reconnect storm builds thousands of rosters of
   * thousands of members.
   */
  private async rosterText(reader: MemberRecord, teams: TeamInfo[]): Promise<string> {
    let cached = this.members.get(reader.orgId);
    if (cached === undefined) {
      cached = this.directory.store
        .listMembers(reader.orgId)
        .then((members) =>
          members.map((m) => ({ id: m.id, head: JSON.stringify(memberInfo(m)).slice(0, -1) })),
        );
      this.members.set(reader.orgId, cached);
    }
    const parts = (await cached).map(({ id, head }) => {
      const { state, session } = this.presenceOf(id);
      const seen =
        session !== undefined && canSee(reader, session)
          ? `,"session":${JSON.stringify(sessionInfo(session))}`
          : '';
      return `${head},"state":"${state}"${seen}}`;
    });
    return `{"type":"roster","members":[${parts.join(',')}],"teams":${JSON.stringify(teams)}}`;
  }

  private sweep(timeoutMs: number): void {
    const cutoff = Date.now() - timeoutMs;
    for (const mine of this.byMember.values()) {
      for (const c of mine) {
        if (c.lastBeat < cutoff) {
          this.log('presence.silent', { member: c.member.id });
          c.socket.close(CLOSE_SILENT, 'No heartbeat for 30 s');
          // The close handshake may never finish with a vanished client: count it gone now,
          // and let go of the socket if it does not answer.
          setTimeout(() => c.socket.terminate(), 1000).unref();
          this.drop(c);
        }
      }
    }
  }

  /**
   * The directory changed (an admin command, another request): cut every socket whose token no
   * longer names a member, and send the new roster to those who stay.
   */
  private async reconcile(): Promise<void> {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      const revision = await this.directory.store.revision();
      if (revision === this.revision) return;
      this.revision = revision;
      this.members.clear();
      const orgs = new Set<string>();
      for (const mine of [...this.byMember.values()]) {
        for (const c of [...mine]) {
          const member = await this.directory.store.memberForToken(c.tokenHash);
          if (member === undefined) {
            this.log('presence.removed', { member: c.member.id });
            send(c.socket, {
              type: 'removed',
              message: 'You were removed from the team, or your token was revoked',
            });
            c.socket.close(CLOSE_REMOVED, 'Removed');
            this.drop(c);
            orgs.add(c.member.orgId);
            continue;
          }
          if (member.teamIds.join() !== c.member.teamIds.join()) orgs.add(member.orgId);
          c.member = member;
        }
      }
      for (const mine of this.byMember.values()) {
        for (const c of mine) {
          const session = this.sessions.get(c.member.id);
          if (
            session !== undefined &&
            (await this.directory.store.getResource(session.id)) === undefined
          ) {
            this.sessions.delete(c.member.id);
            this.changed(c.member);
          }
        }
      }
      await this.sendRosters(orgs);
    } finally {
      this.reconciling = false;
    }
  }

  private async sendRosters(orgs: Set<string>): Promise<void> {
    for (const orgId of orgs) {
      const teams = await this.directory.teams(orgId);
      for (const mine of this.byMember.values()) {
        for (const c of mine) {
          if (c.member.orgId !== orgId) continue;
          sendText(c.socket, await this.rosterText(c.member, teams));
        }
      }
    }
  }

  /**
   * A member added or changed through the API: their organization gets the new roster, on
   * every replica (`fromCluster`: another replica said so; do not say it again).
   */
  async directoryChanged(orgId: string, fromCluster = false): Promise<void> {
    if (!fromCluster) this.cluster?.directoryChanged(orgId);
    this.members.delete(orgId);
    await this.sendRosters(new Set([orgId]));
  }

  close(): void {
    clearTimeout(this.flushTimer);
    clearInterval(this.sweeper);
    clearInterval(this.watcher);
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }
}

function shared(resource: ResourceRecord): SharedSession {
  return {
    id: resource.id,
    orgId: resource.orgId,
    name: resource.name,
    ownerId: resource.ownerId,
    scope: resource.scope,
  };
}

function sessionInfo(resource: SharedSession): SharedSessionInfo {
  return { id: resource.id, name: resource.name };
}

function parse(text: string | undefined) {
  if (text === undefined) return undefined;
  try {
    const result = presenceClientSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

function send(socket: WebSocket, message: PresenceServerMessage): void {
  sendText(socket, JSON.stringify(message));
}

/** A message already serialized (a roster). */
function sendText(socket: WebSocket, text: string): void {
  if (socket.readyState === socket.OPEN) socket.send(text);
}
