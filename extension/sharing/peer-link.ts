import { Peer, type DataConnection } from 'peerjs';
import {
  AGENT_UNVERIFIED_MESSAGE,
  HELLO_TIMEOUT_MS,
  isLinkHello,
  isLinkPing,
  linkPing,
  PING_INTERVAL_MS,
  PING_TIMEOUT_MS,
  type AgentEvent,
  type ErrorDetails,
  type JoinResult,
  type LinkHello,
  type RelayPlace,
  type RequestMap,
  type RequestType,
  type ResultMap,
} from '../../protocol/index.js';
import { Reassembler, toPieces } from '../../protocol/pieces.js';
import { iceResponseSchema, type IceServer } from '../../protocol/team.js';
import { iceRoute, type IceRoute } from '../lib/ice-route.js';
import type { z } from 'zod';
import { agentProven } from './agent-proof.js';
import type { InviteLink } from './invite-link.js';
import { joinResult, parsePeerMessage, RESULT_SCHEMAS } from './peer-messages.js';
import type { SessionTransport } from './transport.js';

export type PeerLinkState = 'connecting' | 'joined' | 'reconnecting' | 'refused' | 'closed';

export interface PeerLinkStatus {
  state: PeerLinkState;
  /** What happened and what to do next, when not joined. */
  message?: string;
}

/** A refusal from the remote agent (its error code and its sentence for the user). */
export class PeerRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = 'PeerRequestError';
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const RETRY_FIRST_MS = 500;
/** Kept short: a participant should be back within seconds of the agent's return. */
const RETRY_MAX_MS = 2000;
/** How often the link checks that the agent still speaks. */
const WATCH_MS = 250;
const CONNECT_TIMEOUT_MS = 15_000;
/** How long leaving waits for the agent to confirm the detach before closing anyway. */
const LEAVE_MS = 1000;

const resultSchemas: { [K in RequestType]?: z.ZodType<ResultMap[K]> } = RESULT_SCHEMAS;

/**
 * A joined session over PeerJS, from a DOM page (side panel or guest page: service workers
 * have no WebRTC). Presents the invite first; after a drop it re-joins as the same participant
 * and tells listeners, who re-attach from their last seq + 1.
 */
export class PeerLink implements SessionTransport {
  status: PeerLinkStatus = { state: 'connecting' };
  joined: JoinResult | undefined;
  /** Proves a re-join after a drop is this participant, not someone who read their id. */
  private rejoinSecret: string | undefined;
  private peer: Peer | undefined;
  private connection: DataConnection | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: AgentEvent) => void>();
  private readonly statusListeners = new Set<(status: PeerLinkStatus) => void>();
  private readonly rejoinListeners = new Set<() => void>();
  private retryMs = RETRY_FIRST_MS;
  private ended = false;
  private reconnecting = false;
  /** When the connection last carried anything; pings arrive every second. */
  private lastHeard = 0;
  /** Watching starts with the first ping, so an agent that never pings is never cut off. */
  private heardPing = false;
  private lastWatch = 0;
  private lastPinged = 0;
  private watchdog: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly link: InviteLink,
    readonly name: string,
    /** A team member's one-time ticket, shown on the first join only (docs/relay.md). */
    private memberTicket?: string,
  ) {}

  get callRelay(): RelayPlace {
    const { host, port, secure } = this.link.relay;
    return { host, port, secure, path: '/peer' };
  }

  /** How the data connection travels (tests: through TURN when the relay says so). */
  async route(): Promise<IceRoute | undefined> {
    const pc = this.connection?.peerConnection;
    return pc === undefined ? undefined : iceRoute(await pc.getStats());
  }

  /** Connects and joins; rejects with the agent's reason (wrong link, revoked, ended, lobby). */
  async join(): Promise<JoinResult> {
    const result = await this.connectAndJoin();
    this.joined = result;
    this.setStatus({ state: 'joined' });
    return result;
  }

  request<K extends RequestType>(
    type: K,
    fields: RequestMap[K],
    timeoutMs = 15_000,
  ): Promise<ResultMap[K]> {
    const schema = resultSchemas[type];
    if (schema === undefined) {
      return Promise.reject(
        new PeerRequestError('bad_request', `"${type}" is not available in a joined session`),
      );
    }
    return this.send(type, fields, timeoutMs).then((value) => {
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw new PeerRequestError('internal', `Unexpected answer to ${type}`);
      return parsed.data;
    });
  }

  notify(
    type: 'session.ack' | 'session.input',
    fields: { sessionId: string } & Record<string, unknown>,
  ): void {
    // The agent paces remote views by their data channel's backlog, never by acks: an ack
    // per output chunk per viewer would only be work for the agent on every keystroke.
    if (type === 'session.ack') return;
    this.write({ v: 1, type, ...fields });
  }

  onEvent(listener: (event: AgentEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onStatus(listener: (status: PeerLinkStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Called after a re-join: the view re-attaches from the first output it has not shown. */
  onRejoin(listener: () => void): () => void {
    this.rejoinListeners.add(listener);
    return () => this.rejoinListeners.delete(listener);
  }

  /** Leaves for good: no re-join. */
  close(message = 'You left the session.'): void {
    const sessionId = this.status.state === 'joined' ? this.joined?.sessionId : undefined;
    this.ended = true;
    this.failPending('You left the session');
    if (this.status.state !== 'refused') this.setStatus({ state: 'closed', message });
    if (sessionId === undefined) {
      this.teardown();
      return;
    }
    // Detach first, so the agent has stopped sending before the channel closes under it (a
    // close that races a send is what crashes node-webrtc on the agent's side).
    this.send('session.detach', { sessionId }, LEAVE_MS)
      .catch(() => undefined)
      .finally(() => this.teardown());
  }

  private async connectAndJoin(): Promise<JoinResult> {
    this.teardown();
    const { relay } = this.link;
    const ice = await relayIce(relay, this.link.peerId);
    const peer = new Peer({
      host: relay.host,
      port: relay.port,
      path: '/peer',
      secure: relay.secure,
      config: ice,
      debug: 0,
    });
    this.peer = peer;
    const pieces = new Reassembler();
    let gotHello: (hello: LinkHello) => void = () => {};
    let noHello: (error: Error) => void = () => {};
    const hello = new Promise<LinkHello>((resolve, reject) => {
      gotHello = resolve;
      noHello = reject;
    });
    // Awaited only once the connection is open; a close before then is reported there.
    hello.catch(() => undefined);
    // Why the agent turned this connection away before its proof (too many waiting to join).
    let refusal: PeerRequestError | undefined;
    // The id the relay registered, as the agent sees it in the offer. Read now: PeerJS sets
    // `peer.id` to null when its signalling socket drops, which a busy page may see between
    // the data connection opening and the hello arriving.
    let ownPeerId = '';
    const connection = await withTimeout(
      new Promise<DataConnection>((resolve, reject) => {
        peer.once('error', (error) => reject(new Error(peerErrorText(error.type))));
        peer.once('open', (id) => {
          ownPeerId = id;
          const c = peer.connect(this.link.peerId, { reliable: true, serialization: 'raw' });
          // Listening from the start: the agent's hello may come right behind 'open'.
          c.on('data', (data) => {
            const assembled = pieces.push(data);
            if (assembled.kind !== 'message') return;
            if (isLinkHello(assembled.value)) gotHello(assembled.value);
            else if (this.connection === c) {
              this.lastHeard = Date.now();
              this.receive(assembled.value);
            } else {
              // An error reply before the hello: the agent turning this connection away.
              const message = parsePeerMessage(assembled.value);
              if (message?.kind === 'reply' && !message.ok)
                refusal = new PeerRequestError(message.code, message.message);
            }
          });
          c.once('open', () => resolve(c));
          c.once('error', (error) => reject(error));
          c.once('close', () =>
            noHello(refusal ?? new Error('The shared session closed the connection — try again')),
          );
        });
      }),
      CONNECT_TIMEOUT_MS,
      'Could not reach the shared session — check the link and that the owner is online',
    ).catch((error: unknown) => {
      peer.destroy();
      throw error;
    });
    // Nothing goes out, the invite secret least of all, until the agent has proven itself.
    const proof = await withTimeout(
      hello,
      HELLO_TIMEOUT_MS,
      'The shared session did not prove who it is in time — try again',
    );
    if (!(await agentProven(proof, this.link, ownPeerId, connection.peerConnection))) {
      throw new PeerRequestError('agent_unverified', AGENT_UNVERIFIED_MESSAGE);
    }
    this.connection = connection;
    this.lastHeard = Date.now();
    this.heardPing = false;
    connection.on('close', () => this.dropped(connection));
    this.watch(connection);
    const participantId = this.joined?.participantId;
    const rejoinSecret = this.rejoinSecret;
    // The lobby may hold the join until the owner admits: no short timeout here.
    const value = await this.send(
      'join',
      {
        inviteId: this.link.inviteId,
        secret: this.link.secret,
        name: this.name,
        ...(participantId === undefined || rejoinSecret === undefined
          ? this.memberTicket === undefined
            ? {}
            : { member: this.memberTicket }
          : { participantId, rejoinSecret }),
      },
      6 * 60_000,
    );
    const parsed = joinResult.safeParse(value);
    if (!parsed.success) throw new PeerRequestError('internal', 'Unexpected answer to join');
    // Issued on the first join only; kept in this page's memory, never stored or shown.
    const { rejoinSecret: issued, ...joined } = parsed.data;
    if (issued !== undefined) this.rejoinSecret = issued;
    // Used: a ticket works once.
    this.memberTicket = undefined;
    return joined;
  }

  /** The connection is gone (closed, or silent past the ping timeout): re-join. */
  private dropped(connection: DataConnection): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    this.stopWatching();
    this.failPending('The connection to the shared session dropped');
    if (!this.ended && this.joined !== undefined) void this.reconnect();
  }

  /**
   * A data channel whose far end froze or died stays "open" until ICE gives up (~30 s); the
   * agent's pings say within PING_TIMEOUT_MS. A tick that itself comes late means this page
   * was asleep (a busy main thread, a throttled tab): it cannot judge then, so it waits.
   */
  private watch(connection: DataConnection): void {
    this.stopWatching();
    this.lastWatch = Date.now();
    this.watchdog = setInterval(() => {
      const now = Date.now();
      const asleep = now - this.lastWatch > PING_TIMEOUT_MS / 2;
      this.lastWatch = now;
      // Ping back, so the agent can let go of a participant that vanished.
      if (this.heardPing && now - this.lastPinged >= PING_INTERVAL_MS) {
        this.lastPinged = now;
        this.write(linkPing());
      }
      if (asleep) this.lastHeard = now;
      if (!this.heardPing || now - this.lastHeard <= PING_TIMEOUT_MS) return;
      this.dropped(connection);
      connection.close();
    }, WATCH_MS);
  }

  private stopWatching(): void {
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private async reconnect(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      await this.retryJoin();
    } finally {
      this.reconnecting = false;
    }
  }

  private async retryJoin(): Promise<void> {
    this.setStatus({ state: 'reconnecting', message: 'Connection lost — re-joining…' });
    while (!this.ended) {
      await new Promise((resolve) => setTimeout(resolve, this.retryMs));
      if (this.ended) return;
      try {
        this.joined = await this.connectAndJoin();
        this.retryMs = RETRY_FIRST_MS;
        this.setStatus({ state: 'joined' });
        for (const listener of this.rejoinListeners) listener();
        return;
      } catch (error) {
        if (
          error instanceof PeerRequestError &&
          (error.code === 'unauthorized' || error.code === 'agent_unverified')
        ) {
          this.refuse(error.message);
          return;
        }
        this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
      }
    }
  }

  /** The agent said no for good (revoked, ended, removed): stop trying. */
  refuse(message: string): void {
    this.ended = true;
    this.teardown();
    this.setStatus({ state: 'refused', message });
  }

  private send(type: string, fields: object, timeoutMs: number): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new PeerRequestError('timeout', `No answer to "${type}" from the shared session`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      if (!this.write({ v: 1, type, id, ...fields })) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new PeerRequestError('agent_unreachable', 'Not connected to the shared session'));
      }
    });
  }

  private write(message: object): boolean {
    const connection = this.connection;
    if (connection === undefined || !connection.open) return false;
    for (const piece of toPieces(JSON.stringify(message))) void connection.send(piece);
    return true;
  }

  private receive(value: unknown): void {
    if (isLinkPing(value)) {
      this.heardPing = true;
      return;
    }
    const message = parsePeerMessage(value);
    if (message === undefined) return;
    if (message.kind === 'event') {
      if (message.event.type === 'session.exit') this.ended = true;
      for (const listener of this.eventListeners) listener(message.event);
      return;
    }
    const pending = message.id === null ? undefined : this.pending.get(message.id);
    if (pending === undefined || message.id === null) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new PeerRequestError(message.code, message.message, message.details));
  }

  private failPending(reason: string): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new PeerRequestError('agent_unreachable', reason));
    }
    this.pending.clear();
  }

  private teardown(): void {
    const { connection, peer } = this;
    this.connection = undefined;
    this.stopWatching();
    this.peer = undefined;
    connection?.close();
    peer?.destroy();
  }

  private setStatus(status: PeerLinkStatus): void {
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function peerErrorText(type: string): string {
  if (type === 'peer-unavailable')
    return 'The shared session is not online — the owner’s agent may have stopped, or the link is old';
  if (type === 'network' || type === 'server-error' || type === 'socket-error')
    return 'Could not reach the relay — check the link and your network';
  return `Could not connect to the shared session (${type})`;
}

/**
 * The ICE servers a team relay hands a guest of a live session (TURN credentials that
 * expire), and whether it wants everything relayed; none from a relay that has none (the
 * agent's own, on loopback or a LAN), where host candidates are all there is.
 */
async function relayIce(
  relay: InviteLink['relay'],
  peerId: string,
): Promise<{ iceServers: IceServer[]; iceTransportPolicy: 'all' | 'relay' }> {
  const base = `${relay.secure ? 'https' : 'http'}://${relay.host.includes(':') ? `[${relay.host}]` : relay.host}:${relay.port}`;
  try {
    const response = await fetch(`${base}/ice?peer=${encodeURIComponent(peerId)}`, {
      signal: AbortSignal.timeout(3000),
    });
    if (response.ok) {
      const parsed = iceResponseSchema.safeParse(await response.json());
      if (parsed.success) return parsed.data;
    }
  } catch {
    // Not a team relay, or not reachable over HTTP: signalling will say so if it matters.
  }
  return { iceServers: [], iceTransportPolicy: 'all' };
}
