import { randomBytes } from 'node:crypto';
import type { DataConnection, Peer } from 'peerjs';
import { z } from 'zod';
import {
  errorReply,
  isTandemError,
  okReply,
  type AgentMessage,
  type ErrorBody,
} from '../../protocol/index.js';
import type { Logger } from '../log.js';
import { PIECE_CHARS, Reassembler, toPieces } from './channel.js';
import { loadPeerJs } from './webrtc.js';

/** Where PeerJS signalling lives: the embedded relay or a team relay. */
export interface RelayEndpoint {
  host: string;
  port: number;
  path: string;
  secure: boolean;
  /** Base URL for invite links (the guest join page), e.g. http://127.0.0.1:9443 */
  url: string;
}

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** The first message on a data connection: who you are and which invite lets you in. */
const joinSchema = z.object({
  v: z.literal(1),
  type: z.literal('join'),
  id: z.number().int().min(0),
  inviteId: z.string().min(1).max(64),
  secret: z.string().min(1).max(128),
  name: z.string().trim().min(1).max(64),
  /** A participant id from an earlier join, to re-join as the same person after a drop. */
  participantId: z.string().min(1).max(64).optional(),
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
  /** Bytes queued in the data channel and not yet sent: a lagging participant. */
  backlog(): number;
  close(): void;
}

export interface PeerBridgeOptions {
  relay: RelayEndpoint;
  iceServers: IceServer[];
  logger: Logger;
  /** Throws a TandemError (e.g. unauthorized) to refuse. */
  join(request: JoinRequest, pipe: RemoteLinkPipe): Promise<RemoteParticipant> | RemoteParticipant;
}

/**
 * The agent as a PeerJS peer: remote participants (teammates' extensions, guest pages) open
 * DataConnections to it. Each carries protocol messages, validated at ingress like every
 * other transport; the first must be a valid `join`.
 */
export class PeerBridge {
  private constructor(
    private readonly peer: Peer,
    readonly peerId: string,
    private readonly options: PeerBridgeOptions,
  ) {}

  static async start(options: PeerBridgeOptions): Promise<PeerBridge> {
    const { Peer } = await loadPeerJs();
    const peerId = `tandem-${randomBytes(12).toString('hex')}`;
    const { relay } = options;
    const peer = new Peer(peerId, {
      host: relay.host,
      port: relay.port,
      path: relay.path,
      secure: relay.secure,
      config: { iceServers: options.iceServers },
      debug: 0,
    });
    await new Promise<void>((resolve, reject) => {
      peer.once('open', () => resolve());
      peer.once('error', (error) => reject(error));
    });
    const bridge = new PeerBridge(peer, peerId, options);
    peer.on('connection', (connection) => bridge.accept(connection));
    peer.on('error', (error) => options.logger.warn('peer.error', { error: error.message }));
    peer.on('disconnected', () => {
      // Signalling dropped (relay restart, network blip); live data channels carry on.
      if (!peer.destroyed) peer.reconnect();
    });
    return bridge;
  }

  /** The link a person opens: guest page on the relay, secret in the fragment. */
  inviteUrl(inviteId: string, secret: string): string {
    return `${this.options.relay.url}/join#${this.peerId}.${inviteId}.${secret}`;
  }

  close(): void {
    this.peer.destroy();
  }

  private accept(connection: DataConnection): void {
    const { logger } = this.options;
    const pieces = new Reassembler();
    let participant: RemoteParticipant | undefined;
    let joining = false;
    let closed = false;
    // The answering side can receive messages before PeerJS marks its connection open, and
    // PeerJS drops sends until then: replies wait here for the 'open' event.
    let early: string[] | undefined = connection.open ? undefined : [];
    // Sent straight to the data channel: PeerJS's own send reads bufferedAmount (a synchronous
    // hop into libwebrtc) on every call and queues without bound past 8 MiB; the session's lag
    // check keeps a participant's backlog well under that instead.
    const transmit = (piece: string): void => {
      const channel = connection.dataChannel;
      try {
        if (channel?.readyState === 'open') channel.send(piece);
        else void connection.send(piece);
      } catch {
        connection.close();
      }
    };
    connection.on('open', () => {
      const queued = early ?? [];
      early = undefined;
      for (const piece of queued) transmit(piece);
    });
    // bufferedAmount is costly to read: re-read it after 64 KiB more or 100 ms, count in between.
    let measured = 0;
    let sentSince = 0;
    let measuredAt = 0;
    const pipe: RemoteLinkPipe = {
      send(message) {
        if (closed) return;
        for (const piece of toPieces(JSON.stringify(message))) {
          sentSince += piece.length;
          if (early !== undefined) early.push(piece);
          else transmit(piece);
        }
      },
      backlog() {
        const now = performance.now();
        if (sentSince >= 64 * 1024 || now - measuredAt >= 100) {
          measured = connection.dataChannel?.bufferedAmount ?? 0;
          measuredAt = now;
          sentSince = 0;
        }
        return measured + sentSince + (early?.length ?? 0) * PIECE_CHARS;
      },
      close() {
        connection.close({ flush: true });
      },
    };
    const refuse = (id: number | null, error: ErrorBody): void => {
      pipe.send(errorReply(id, error));
      setTimeout(() => connection.close(), 200);
    };
    connection.on('data', (data) => {
      const assembled = pieces.push(data);
      if (assembled.kind === 'partial') return;
      if (assembled.kind !== 'message') {
        const error: ErrorBody =
          assembled.kind === 'too_large'
            ? {
                code: 'too_large',
                message: `A message of ${assembled.bytes} characters is over the 1 MiB limit`,
              }
            : { code: 'bad_request', message: assembled.reason };
        if (participant === undefined) refuse(null, error);
        else pipe.send(errorReply(null, error));
        return;
      }
      if (participant !== undefined) {
        participant.handle(assembled.value);
        return;
      }
      if (joining) {
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
        refuse(requestId(assembled.value), {
          code: 'unauthorized',
          message: 'Join with an invite link first',
        });
        return;
      }
      joining = true;
      const request = join.data;
      Promise.resolve()
        .then(() => this.options.join(request, pipe))
        .then(
          (joined) => {
            joining = false;
            if (closed) return joined.closed();
            participant = joined;
            pipe.send(okReply(request.id, joined.result));
          },
          (error: unknown) => {
            joining = false;
            refuse(
              request.id,
              isTandemError(error) ? error.toBody() : { code: 'internal', message: 'join failed' },
            );
            logger.warn('peer.join_refused', { peer: connection.peer });
          },
        );
    });
    connection.on('close', () => {
      closed = true;
      participant?.closed();
    });
    connection.on('error', (error) =>
      logger.warn('peer.connection_error', { error: error.message }),
    );
  }
}
