import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  dtlsFingerprints,
  errorReply,
  isLinkPing,
  isTandemError,
  linkHello,
  linkPing,
  okReply,
  PARTICIPANT_SILENCE_MS,
  PING_INTERVAL_MS,
  proofStatement,
  type AgentMessage,
  type ErrorBody,
} from '../../protocol/index.js';
import { outputEventJson } from '../agent/link.js';
import { SETTLING_NODE_FLAGS } from '../agent/settle.js';
import type { Logger } from '../log.js';
import { stateDir } from '../paths.js';
import { AgentKey } from './agent-key.js';
import type { Assembled } from './channel.js';
import type { FromPeer, IceServer, Outgoing, ToPeer } from './peer-messages.js';
import {
  MAX_UNJOINED,
  UNJOINED_TIMEOUT_MS,
  UnjoinedConnections,
  type UnjoinedLimits,
} from './unjoined.js';

/** Where PeerJS signalling lives: the embedded relay or a team relay. */
export interface RelayEndpoint {
  host: string;
  port: number;
  path: string;
  secure: boolean;
  /** Base URL for invite links (the guest join page), e.g. http://127.0.0.1:9443 */
  url: string;
}

export type { IceServer };

/** The first message on a data connection: who you are and which invite lets you in. */
const joinSchema = z.object({
  v: z.literal(1),
  type: z.literal('join'),
  id: z.number().int().min(0),
  inviteId: z.string().min(1).max(64),
  secret: z.string().min(1).max(128),
  name: z.string().trim().min(1).max(64),
  /**
   * A re-join after a drop: the participant id from the earlier join and the secret issued
   * with it. The id alone is public and proves nothing.
   */
  participantId: z.string().min(1).max(64).optional(),
  rejoinSecret: z.string().min(1).max(128).optional(),
  /** A team member's one-time ticket: the agent asks its team relay who they are. */
  member: z.string().min(1).max(128).optional(),
});
export type JoinRequest = z.infer<typeof joinSchema>;

function requestId(value: unknown): number | null {
  if (typeof value !== 'object' || value === null || !('id' in value)) return null;
  return typeof value.id === 'number' && Number.isSafeInteger(value.id) ? value.id : null;
}

/** What the agent gives a remote participant once their invite checks out. */
export interface RemoteParticipant {
  result: unknown;
  handle(value: unknown): void;
  closed(): void;
}

export interface RemoteLinkPipe {
  send(message: AgentMessage): void;
  /** A `session.output` event whose data is already a JSON string literal (the hot path). */
  sendOutput(sessionId: string, seq: number, json: string): void;
  /** Bytes queued in the data channel and not yet sent: a lagging participant. */
  backlog(): number;
  close(): void;
}

export interface PeerBridgeOptions {
  relay: RelayEndpoint;
  iceServers: IceServer[];
  logger: Logger;
  /** The agent's key pair; by default the one in the agent's state folder (made once). */
  key?: AgentKey;
  /** Throws a TandemError (e.g. unauthorized) to refuse. */
  join(request: JoinRequest, pipe: RemoteLinkPipe): Promise<RemoteParticipant> | RemoteParticipant;
  /** How long, and how many, data connections may wait without a join (tests make them small). */
  unjoined?: Partial<UnjoinedLimits>;
}

const PING_JSON = JSON.stringify(linkPing());

/**
 * The agent's peer id, bound to a secret token it presents to the relay on every registration:
 * `tandem-` + the first 128 bits of the token's SHA-256, the rule relay/peer-ids.ts enforces.
 * Whoever holds a link knows the id, never the token, so they cannot claim the id while the
 * peer process restarts.
 */
function agentPeerId(token: string): string {
  return 'tandem-' + createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 32);
}

/** After the peer process dies: first restart delay, doubling up to the last. */
const RESTART_FIRST_MS = 250;
const RESTART_MAX_MS = 10_000;
const STOP_TIMEOUT_MS = 2000;

/**
 * Fan-out to participants yields to the owner's keystrokes: when the machine is busy, the
 * peer process gets the CPU after the agent (the owner's echo path), never before it.
 */
const PEER_PROCESS_NICE = 10;

function lowerPriority(child: ChildProcess, logger: Logger): void {
  if (child.pid === undefined) return;
  try {
    os.setPriority(child.pid, Math.min(19, os.getPriority() + PEER_PROCESS_NICE));
  } catch (error) {
    logger.warn('peer.priority', { error: error instanceof Error ? error.message : String(error) });
  }
}

/** The agent's side of one participant's data connection. */
interface Connection {
  id: number;
  peer: string;
  /** Characters of JSON handed to the peer process for this connection. */
  sent: number;
  /** Of those, taken by the peer process (as of its last report) … */
  through: number;
  /** … and still in the data channel then. */
  buffered: number;
  closed: boolean;
  joining: boolean;
  /** When it last sent anything, and whether it pings (older pages do not). */
  lastHeard: number;
  pings: boolean;
  /** Told off and about to be closed: nothing it sends counts any more. */
  refused?: true;
  participant?: RemoteParticipant;
  pipe: RemoteLinkPipe;
}

/**
 * The agent as a PeerJS peer: remote participants (teammates' extensions, guest pages) open
 * DataConnections to it. Each carries protocol messages, validated at ingress like every
 * other transport; the first must be a valid `join`.
 *
 * WebRTC itself runs in a child process (peer-process.ts), so a crash in libwebrtc costs the
 * participants their connections (they re-join) and never costs the user their sessions. The
 * peer id is the agent's and survives restarts, so invite links keep working.
 */
export class PeerBridge {
  private child: ChildProcess | undefined;
  private readonly connections = new Map<number, Connection>();
  private outbox: Outgoing[] = [];
  private flushQueued = false;
  private stopping = false;
  private restartMs = RESTART_FIRST_MS;
  /** Remote peers whose connections died with a peer process: told once a new one runs. */
  private orphans = new Set<string>();
  /** The last output event built, reused for every participant it goes to. */
  private lastOutput = { sessionId: '', seq: -1, json: '' };
  private readonly pinger: ReturnType<typeof setInterval>;
  private readonly unjoined: UnjoinedConnections;

  readonly peerId: string;

  private constructor(
    /** Presented to the relay with the peer id; never leaves the agent and its peer process. */
    private readonly token: string,
    private readonly key: AgentKey,
    private readonly options: PeerBridgeOptions,
  ) {
    this.peerId = agentPeerId(token);
    this.unjoined = new UnjoinedConnections({
      timeoutMs: UNJOINED_TIMEOUT_MS,
      max: MAX_UNJOINED,
      ...options.unjoined,
    });
    // From the agent's own event loop, not the peer process: a participant hears pings only
    // while the agent itself is alive, so a frozen agent is noticed as surely as a dead one.
    this.pinger = setInterval(() => {
      const now = Date.now();
      for (const connection of this.connections.values()) {
        if (connection.participant === undefined) continue;
        this.ship(connection, PING_JSON);
        if (connection.pings && now - connection.lastHeard > PARTICIPANT_SILENCE_MS) {
          // Its browser crashed or its network went: ICE would take ~30 s to say so, while
          // output queues for nobody and the avatar stays on everyone's screen.
          this.options.logger.info('peer.silent', { peer: connection.peer });
          connection.pipe.close();
        }
      }
    }, PING_INTERVAL_MS);
    this.pinger.unref();
  }

  static async start(options: PeerBridgeOptions): Promise<PeerBridge> {
    const key = options.key ?? AgentKey.load(stateDir());
    const bridge = new PeerBridge(randomBytes(24).toString('hex'), key, options);
    await bridge.spawn();
    return bridge;
  }

  /**
   * The link a person opens: guest page on the relay; in the fragment (never sent to the
   * relay), the agent's peer id, the invite, its secret and the agent's key fingerprint.
   */
  /** Where PeerJS signalling lives, for the owner's own call window. */
  get relay(): RelayEndpoint {
    return this.options.relay;
  }

  inviteUrl(inviteId: string, secret: string): string {
    return `${this.options.relay.url}/join#${this.peerId}.${inviteId}.${secret}.${this.key.fingerprint}`;
  }

  /** The peer process's pid while it runs (diagnostics and tests). */
  get processId(): number | undefined {
    return this.child?.pid;
  }

  async close(): Promise<void> {
    this.stopping = true;
    clearInterval(this.pinger);
    this.unjoined.clear();
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.post({ type: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  /** Starts the peer process and waits until it is registered with the relay. */
  private spawn(): Promise<void> {
    const source = import.meta.url.endsWith('.ts');
    const script = fileURLToPath(
      new URL(source ? './peer-process.ts' : './peer-process.js', import.meta.url),
    );
    // As the daemon's: it collects once a burst is over instead of holding it until V8's memory
    // reducer gets round to it (it swung between ~90 and ~135 MB under a steady load without).
    const child = spawn(
      process.execPath,
      [...SETTLING_NODE_FLAGS, ...(source ? ['--import', 'tsx'] : []), script],
      {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        serialization: 'advanced',
      },
    );
    this.child = child;
    lowerPriority(child, this.options.logger);
    const { relay } = this.options;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      child.on('message', (message: FromPeer) => {
        // A dead peer process's last messages can come in after its 'exit'; its connection
        // ids are reused by the next process, so they must not reach this.connections.
        if (this.child !== child) return;
        if (message.type === 'ready') {
          ready = true;
          this.options.logger.info('peer.started', { peerPid: child.pid });
          resolve();
        } else if (message.type === 'failed') {
          child.kill('SIGKILL');
          reject(new Error(`${message.message} (${message.kind})`));
        } else this.receive(message);
      });
      child.once('exit', (code, signal) => {
        if (!ready) reject(new Error(`the peer process exited (${signal ?? String(code)})`));
        this.exited(child, ready, code, signal);
      });
      this.post({
        type: 'start',
        peerId: this.peerId,
        token: this.token,
        relay: { host: relay.host, port: relay.port, path: relay.path, secure: relay.secure },
        iceServers: this.options.iceServers,
      });
    });
  }

  private exited(
    child: ChildProcess,
    wasReady: boolean,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.outbox = [];
    for (const connection of this.connections.values()) {
      this.orphans.add(connection.peer);
      this.connectionClosed(connection);
    }
    if (this.stopping || !wasReady) return;
    this.options.logger.error('peer.crashed', {
      peerPid: child.pid,
      ...(signal === null ? { code: code ?? undefined } : { signal }),
    });
    this.restart();
  }

  private restart(): void {
    const delay = this.restartMs;
    this.restartMs = Math.min(RESTART_MAX_MS, this.restartMs * 2);
    setTimeout(() => {
      if (this.stopping) return;
      this.spawn().then(
        () => {
          this.restartMs = RESTART_FIRST_MS;
          this.options.logger.info('peer.restarted', { orphans: this.orphans.size });
          if (this.orphans.size > 0) this.post({ type: 'leave', peers: [...this.orphans] });
          this.orphans.clear();
        },
        (error: unknown) => {
          // The relay may still hold the old registration for a moment: try again.
          this.options.logger.warn('peer.restart_failed', {
            error: error instanceof Error ? error.message : String(error),
          });
          this.restart();
        },
      );
    }, delay).unref();
  }

  private post(message: ToPeer): void {
    const child = this.child;
    if (child === undefined || !child.connected) return;
    try {
      child.send(message);
    } catch (error) {
      this.options.logger.warn('peer.ipc_error', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** Queues one message for a connection; everything queued in this turn goes in one IPC send. */
  private ship(connection: Connection, json: string): void {
    if (connection.closed) return;
    connection.sent += json.length;
    const last = this.outbox.at(-1);
    if (last !== undefined && last.json === json) last.conns.push(connection.id);
    else this.outbox.push({ conns: [connection.id], json });
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      const batch = this.outbox;
      this.outbox = [];
      if (batch.length > 0) this.post({ type: 'send', batch });
    });
  }

  private receive(message: FromPeer): void {
    switch (message.type) {
      case 'conn': {
        const connection = this.accept(message.conn, message.peer);
        this.connections.set(message.conn, connection);
        const admitted = this.unjoined.admit(message.conn, () => {
          this.options.logger.info('peer.join_timeout', { peer: connection.peer });
          this.refuse(connection, null, {
            code: 'unauthorized',
            message: `No join within ${this.unjoined.limits.timeoutMs / 1000} s — open the invite link again`,
          });
        });
        if (!admitted) {
          this.options.logger.warn('peer.unjoined_full', { peer: connection.peer });
          this.refuse(connection, null, {
            code: 'rate_limited',
            message: 'Too many people are connecting at once — try again in a moment',
          });
        }
        return;
      }
      case 'opened': {
        const connection = this.connections.get(message.conn);
        if (connection !== undefined) this.prove(connection, message.local, message.remote);
        return;
      }
      case 'data': {
        const connection = this.connections.get(message.conn);
        if (connection !== undefined) this.onData(connection, message.assembled);
        return;
      }
      case 'backlog': {
        const connection = this.connections.get(message.conn);
        if (connection === undefined) return;
        connection.through = message.through;
        connection.buffered = message.buffered;
        return;
      }
      case 'closed': {
        const connection = this.connections.get(message.conn);
        if (connection !== undefined) this.connectionClosed(connection);
        return;
      }
      case 'log':
        this.options.logger[message.level](message.event, message.fields);
        return;
      case 'ready':
      case 'failed':
        return;
    }
  }

  private accept(id: number, peer: string): Connection {
    const connection: Connection = {
      id,
      peer,
      sent: 0,
      through: 0,
      buffered: 0,
      closed: false,
      joining: false,
      lastHeard: Date.now(),
      pings: false,
      pipe: {
        send: (message) => this.ship(connection, JSON.stringify(message)),
        sendOutput: (sessionId, seq, json) => {
          if (this.lastOutput.sessionId !== sessionId || this.lastOutput.seq !== seq) {
            this.lastOutput = { sessionId, seq, json: outputEventJson(sessionId, seq, json) };
          }
          this.ship(connection, this.lastOutput.json);
        },
        backlog: () => connection.buffered + connection.sent - connection.through,
        close: () => this.post({ type: 'close', conn: id }),
      },
    };
    return connection;
  }

  /**
   * The first message on every connection: the agent's key and its signature over both peers
   * and both DTLS fingerprints, as this end sees them. The participant checks it against the
   * link and its own view before it sends the join (protocol/agent-proof.ts).
   */
  private prove(connection: Connection, localSdp: string, remoteSdp: string): void {
    const agentDtls = dtlsFingerprints(localSdp);
    const participantDtls = dtlsFingerprints(remoteSdp);
    if (agentDtls.length === 0 || participantDtls.length === 0) {
      // Nothing to bind a proof to: no participant could trust this connection.
      this.options.logger.warn('peer.unprovable', { peer: connection.peer });
      connection.pipe.close();
      return;
    }
    const statement = proofStatement({
      agentPeerId: this.peerId,
      participantPeerId: connection.peer,
      agentDtls,
      participantDtls,
    });
    this.ship(connection, JSON.stringify(linkHello(this.key.publicKey, this.key.sign(statement))));
  }

  private refuse(connection: Connection, id: number | null, error: ErrorBody): void {
    connection.refused = true;
    this.unjoined.done(connection.id);
    connection.pipe.send(errorReply(id, error));
    setTimeout(() => connection.pipe.close(), 200);
  }

  private onData(connection: Connection, assembled: Exclude<Assembled, { kind: 'partial' }>): void {
    const { pipe } = connection;
    if (connection.refused === true) return;
    connection.lastHeard = Date.now();
    // Pings count only from someone who has joined; before that the first message must be a join.
    if (
      connection.participant !== undefined &&
      assembled.kind === 'message' &&
      isLinkPing(assembled.value)
    ) {
      connection.pings = true;
      return;
    }
    if (assembled.kind !== 'message') {
      const error: ErrorBody =
        assembled.kind === 'too_large'
          ? {
              code: 'too_large',
              message: `A message of ${assembled.bytes} characters is over the 1 MiB limit`,
            }
          : { code: 'bad_request', message: assembled.reason };
      if (connection.participant === undefined) this.refuse(connection, null, error);
      else pipe.send(errorReply(null, error));
      return;
    }
    if (connection.participant !== undefined) {
      connection.participant.handle(assembled.value);
      return;
    }
    if (connection.joining) {
      pipe.send(
        errorReply(requestId(assembled.value), {
          code: 'bad_request',
          message: 'Wait until you have joined',
        }),
      );
      return;
    }
    const join = joinSchema.safeParse(assembled.value);
    if (!join.success) {
      this.refuse(connection, requestId(assembled.value), {
        code: 'unauthorized',
        message: 'Join with an invite link first',
      });
      return;
    }
    connection.joining = true;
    this.unjoined.done(connection.id);
    const request = join.data;
    Promise.resolve()
      .then(() => this.options.join(request, pipe))
      .then(
        (joined) => {
          connection.joining = false;
          if (connection.closed) return joined.closed();
          connection.participant = joined;
          pipe.send(okReply(request.id, joined.result));
          // The first ping at once: until a page has heard one it does not watch for silence,
          // and an agent that froze within a second of a join would go unnoticed.
          this.ship(connection, PING_JSON);
        },
        (error: unknown) => {
          connection.joining = false;
          this.refuse(
            connection,
            request.id,
            isTandemError(error) ? error.toBody() : { code: 'internal', message: 'join failed' },
          );
          this.options.logger.warn('peer.join_refused', { peer: connection.peer });
        },
      );
  }

  private connectionClosed(connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    this.connections.delete(connection.id);
    this.unjoined.done(connection.id);
    connection.participant?.closed();
  }
}
